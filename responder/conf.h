/*
 * conf: settings from the config file and the command line.
 * Every key of the file is also a long option (user_file = --user-file).
 */
#ifndef FCGI_AUTHD_CONF_H
#define FCGI_AUTHD_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"

/* Longest realm accepted. */
#define CONF_REALM_MAX 200

struct conf {
    char *listen;         /* unix:/path, tcp:ADDR:PORT, tcp6:[ADDR]:PORT */
    char *user_file;      /* htpasswd file */
    char *realm;          /* Basic realm */
    unsigned threads;     /* 0: number of CPUs */
    unsigned socket_mode; /* unix socket permissions */
    char *socket_group;   /* unix socket group, or NULL */
    bool allow_plaintext;
    bool allow_des;
    enum log_level log_level;
};

enum conf_type {
    CONF_STRING,
    CONF_UINT,
    CONF_MODE,
    CONF_BOOL,
    CONF_LOGLEVEL,
    CONF_REALM,
};

struct conf_key {
    const char *name; /* file key; the long option is the same with '-' */
    size_t offset;    /* of the member in struct conf */
    enum conf_type type;
    const char *defval; /* built-in default as text, NULL: unset */
    const char *arg;    /* argument name for --help */
    const char *help;   /* one line */
};

/* The table of keys, in --help order; *n is set to its length. */
const struct conf_key *conf_keys(size_t *n);

/* Set every key to its built-in default. */
void conf_init(struct conf *c);

/* Release what c holds (c itself is the caller's). */
void conf_free(struct conf *c);

/*
 * Set key (a file key, or a long option name with '-') to value. Errors go
 * to diag with file and line (file NULL: "command line"). Returns 0 or -1.
 */
int conf_set(struct conf *c, const char *key, const char *value,
             const char *file, unsigned line, diag_fn *diag, void *ctx);

/*
 * Parse a config file's text: "key = value" lines, '#' comments (a whole
 * line, or after whitespace), blank lines, surrounding spaces trimmed,
 * optional double quotes around the value. Every problem goes to diag with
 * name:line. Returns the number of errors (0: all applied).
 */
int conf_parse(struct conf *c, const char *name, const char *data, size_t len,
               diag_fn *diag, void *ctx);

/* Read the file at path and conf_parse it; -1 when it cannot be read. */
int conf_load(struct conf *c, const char *path, diag_fn *diag, void *ctx);

#endif
