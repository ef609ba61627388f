/* SPDX-License-Identifier: ISC */
/* argv.h -- split a command line into words like sh(1), without a shell. */
#ifndef ACTIVATOR_ARGV_H
#define ACTIVATOR_ARGV_H

#define ARGV_MAX	4096

char	**argv_split(const char *line, char **cause);
void	  argv_free(char **);

#endif /* ACTIVATOR_ARGV_H */
