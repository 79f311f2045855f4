/* STUB: replaced by the token implementation (helper). Fails closed. */
#include "config.h"

#include "token.h"

int token_generate(char out[TOKEN_LEN + 1]) { out[0] = '\0'; return -1; }
bool token_well_formed(const char *t, size_t n) { (void)t; (void)n; return false; }
void token_digest(const char *t, size_t n, unsigned char out[TOKEN_DIGEST_LEN]) { (void)t; (void)n; util_wipe(out, TOKEN_DIGEST_LEN); }
struct tokfile *tokfile_parse(const char *name, const char *data, size_t len, diag_fn *diag, void *diag_ctx) { (void)name; (void)data; (void)len; (void)diag; (void)diag_ctx; return NULL; }
struct tokfile *tokfile_load(const char *path, diag_fn *diag, void *diag_ctx) { (void)path; (void)diag; (void)diag_ctx; return NULL; }
const struct token_entry *tokfile_lookup(const struct tokfile *f, const char *t, size_t n) { (void)f; (void)t; (void)n; return NULL; }
const struct token_entry *tokfile_by_name(const struct tokfile *f, const char *name, size_t n) { (void)f; (void)name; (void)n; return NULL; }
bool token_entry_expired(const struct token_entry *e, long long now) { (void)e; (void)now; return true; }
size_t tokfile_count(const struct tokfile *f) { (void)f; return 0; }
void tokfile_free(struct tokfile *f) { (void)f; }
