// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The activator authors
//
// gobind -- a Go server that opens its own listening sockets, as any Go
// program does: through the Go runtime's raw system calls, no libc. It
// keeps goroutines spinning meanwhile, so the runtime's preemption
// signals (SIGURG) hit threads that wait in a bind(2) that activator's
// supervisor answers. It binds -extra ephemeral ports first (untouched
// binds), then each address given, and serves "OK <pid>\n".
//
// usage: gobind [-report FILE] [-extra N] [-spin N] ADDR...
// ADDR: tcp://H:P, tcp://[V6]:P, udp://H:P, unix:/path
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
)

func inode(sc syscall.RawConn) uint64 {
	var ino uint64
	sc.Control(func(fd uintptr) {
		var st syscall.Stat_t
		if syscall.Fstat(int(fd), &st) == nil {
			ino = st.Ino
		}
	})
	return ino
}

func main() {
	report := flag.String("report", "", "write pid and socket inodes here")
	extra := flag.Int("extra", 0, "ephemeral binds before the real ones")
	spin := flag.Int("spin", 4, "busy goroutines while binding")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: gobind [-report FILE] [-extra N] [-spin N] ADDR...")
		os.Exit(2)
	}
	stop := make(chan struct{})
	for i := 0; i < *spin; i++ {
		go func() {
			x := 0
			for {
				select {
				case <-stop:
					return
				default:
					x++
				}
			}
		}()
	}
	for i := 0; i < *extra; i++ {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, "gobind: extra:", err)
			os.Exit(1)
		}
		l.Close()
	}
	reply := []byte(fmt.Sprintf("OK %d\n", os.Getpid()))
	var out strings.Builder
	fmt.Fprintf(&out, "pid=%d\n", os.Getpid())
	for i, a := range flag.Args() {
		var network, where string
		switch {
		case strings.HasPrefix(a, "tcp://"):
			network, where = "tcp", a[6:]
			if strings.HasPrefix(where, "[") {
				network = "tcp6"
			} else {
				network = "tcp4"
			}
		case strings.HasPrefix(a, "udp://"):
			network, where = "udp4", a[6:]
			if strings.HasPrefix(where, "[") {
				network = "udp6"
			}
		case strings.HasPrefix(a, "unix:"):
			network, where = "unix", a[5:]
		default:
			fmt.Fprintln(os.Stderr, "gobind: bad address", a)
			os.Exit(2)
		}
		if strings.HasPrefix(network, "udp") {
			pc, err := net.ListenPacket(network, where)
			if err != nil {
				fmt.Fprintln(os.Stderr, "gobind:", err)
				os.Exit(1)
			}
			sc, _ := pc.(*net.UDPConn).SyscallConn()
			fmt.Fprintf(&out, "ino.%d=%d\n", i, inode(sc))
			go func() {
				buf := make([]byte, 512)
				for {
					_, from, err := pc.ReadFrom(buf)
					if err != nil {
						return
					}
					pc.WriteTo(reply, from)
				}
			}()
			continue
		}
		l, err := net.Listen(network, where)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gobind:", err)
			os.Exit(1)
		}
		var sc syscall.RawConn
		switch t := l.(type) {
		case *net.TCPListener:
			sc, _ = t.SyscallConn()
		case *net.UnixListener:
			t.SetUnlinkOnClose(false)
			sc, _ = t.SyscallConn()
		}
		fmt.Fprintf(&out, "ino.%d=%d\n", i, inode(sc))
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Write(reply)
				c.Close()
			}
		}()
	}
	close(stop)
	if *report != "" {
		os.WriteFile(*report+".tmp", []byte(out.String()), 0644)
		os.Rename(*report+".tmp", *report)
	}
	select {}
}
