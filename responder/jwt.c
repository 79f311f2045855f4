/* STUB: replaced by the JWT implementation (helper). Fails closed. */
#include "config.h"

#include <string.h>

#include "jwt.h"

enum jwt_result jwt_decode(const char *t, size_t n, const struct jwt_policy *p, long long now, struct jwt *out) { (void)t; (void)n; (void)p; (void)now; memset(out, 0, sizeof *out); return JWT_INTERNAL; }
void jwt_clear(struct jwt *j) { util_wipe(j, sizeof *j); }
const char *jwt_result_text(enum jwt_result r) { (void)r; return "internal error"; }
const char *jwt_result_name(enum jwt_result r) { (void)r; return "internal"; }
struct jwks *jwks_parse(const char *name, const char *data, size_t len, diag_fn *diag, void *diag_ctx) { (void)name; (void)data; (void)len; (void)diag; (void)diag_ctx; return NULL; }
struct jwks *jwks_load(const char *path, diag_fn *diag, void *diag_ctx) { (void)path; (void)diag; (void)diag_ctx; return NULL; }
size_t jwks_count(const struct jwks *s) { (void)s; return 0; }
const struct jwk *jwks_find(const struct jwks *s, const struct jwt *j, enum jwt_result *why) { (void)s; (void)j; *why = JWT_NO_KEY; return NULL; }
const unsigned char *jwk_id(const struct jwk *k) { (void)k; return NULL; }
enum jwt_result jwt_verify(const struct jwk *k, const struct jwt *j) { (void)k; (void)j; return JWT_INTERNAL; }
void jwks_free(struct jwks *s) { (void)s; }
