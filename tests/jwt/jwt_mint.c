/*
 * jwt-mint: keys, public JWKs and signed JWTs for the integration tests
 * (tests/integration/jwt.sh), the shell's way into jose.h. It signs only
 * what the test hands it; every key and signature is OpenSSL's.
 *
 *   jwt-mint key ALG FILE
 *       make a key that signs ALG (EdDSA; RS256..RS512 and PS256..PS512:
 *       RSA 2048; ES256, ES384, ES512) and write it, private, to FILE
 *       (PEM, mode 0600, replaced if it exists).
 *   jwt-mint jwk FILE KID [ALG]
 *       print the public JWK of FILE's key, with "kid" (and "alg").
 *   jwt-mint sign [--alg ALG] [--kid KID] [--tamper JSON] FILE PAYLOAD
 *       print the compact JWS of the JSON text PAYLOAD signed with FILE's
 *       key. The header is {"alg":ALG,"typ":"JWT","kid":KID}; ALG
 *       defaults to the key's (EdDSA, RS256, ES256/384/512), no kid
 *       without --kid. --tamper: sign PAYLOAD but carry JSON instead (the
 *       signature no longer matches).
 *   jwt-mint unsigned [--kid KID] PAYLOAD
 *       print an unsecured JWT: alg "none" and an empty signature.
 *
 * Exit status: 0, or 2 for a usage error. A key that cannot be made or
 * read is a message and status 1; jose.h aborts on its own failures.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jose.h"

#define MINT_KID_MAX 64

__attribute__((noreturn)) static void
mint_usage(void)
{
    fputs("usage: jwt-mint key ALG FILE\n"
          "       jwt-mint jwk FILE KID [ALG]\n"
          "       jwt-mint sign [--alg ALG] [--kid KID] [--tamper JSON] "
          "FILE PAYLOAD\n"
          "       jwt-mint unsigned [--kid KID] PAYLOAD\n",
          stderr);
    exit(2);
}

/* A kid or alg goes into JSON unescaped: letters, digits, '.', '_', '-'. */
static int
mint_word_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > MINT_KID_MAX)
        return 0;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789._-") == n;
}

static const char *
mint_word(const char *what, const char *s)
{
    if (!mint_word_ok(s)) {
        fprintf(stderr, "jwt-mint: %s: expected 1 to %d of A-Z a-z 0-9 . _ -\n",
                what, MINT_KID_MAX);
        exit(2);
    }
    return s;
}

static EVP_PKEY *
mint_gen(const char *alg)
{
    if (strcmp(alg, "EdDSA") == 0)
        return jose_gen_ed25519();
    if ((alg[0] == 'R' || alg[0] == 'P') && alg[1] == 'S')
        return jose_gen_rsa(2048);
    if (strcmp(alg, "ES256") == 0)
        return jose_gen_ec("P-256");
    if (strcmp(alg, "ES384") == 0)
        return jose_gen_ec("P-384");
    if (strcmp(alg, "ES512") == 0)
        return jose_gen_ec("P-521");
    fprintf(stderr, "jwt-mint: key: unknown ALG '%s'\n", alg);
    exit(2);
}

static int
mint_key(const char *alg, const char *path)
{
    EVP_PKEY *k = mint_gen(alg);
    FILE *f;
    int fd;

    if (unlink(path) < 0 && errno != ENOENT) {
        fprintf(stderr, "jwt-mint: %s: %s\n", path, strerror(errno));
        EVP_PKEY_free(k);
        return 1;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
        fprintf(stderr, "jwt-mint: %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        EVP_PKEY_free(k);
        return 1;
    }
    JOSE_CHECK(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1);
    EVP_PKEY_free(k);
    if (fclose(f) != 0) {
        fprintf(stderr, "jwt-mint: %s: %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

/* The key in path, or exit 1 with a message. */
static EVP_PKEY *
mint_load(const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k = NULL;

    if (f == NULL) {
        fprintf(stderr, "jwt-mint: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (k == NULL) {
        fprintf(stderr, "jwt-mint: %s: not a PEM private key\n", path);
        exit(1);
    }
    return k;
}

static int
mint_jwk(const char *path, const char *kid, const char *alg)
{
    EVP_PKEY *k = mint_load(path);
    char members[2 * MINT_KID_MAX + 32];
    char jwk[JOSE_JWK_MAX];

    snprintf(members, sizeof members, "\"kid\":\"%s\"%s%s%s",
             mint_word("KID", kid), alg ? ",\"alg\":\"" : "",
             alg ? mint_word("ALG", alg) : "", alg ? "\"" : "");
    jose_jwk(k, members, jwk, sizeof jwk);
    EVP_PKEY_free(k);
    puts(jwk);
    return 0;
}

/* The alg a key signs by default. */
static const char *
mint_default_alg(EVP_PKEY *k)
{
    const char *crv;

    if (EVP_PKEY_is_a(k, "ED25519"))
        return "EdDSA";
    if (EVP_PKEY_is_a(k, "RSA"))
        return "RS256";
    JOSE_CHECK(EVP_PKEY_is_a(k, "EC"));
    switch (jose_ec_width(k, &crv)) {
    case 32:
        return "ES256";
    case 48:
        return "ES384";
    default:
        return "ES512";
    }
}

static void
mint_header(const char *alg, const char *kid, char *out, size_t cap)
{
    int n = snprintf(out, cap, "{\"alg\":\"%s\",\"typ\":\"JWT\"%s%s%s}", alg,
                     kid ? ",\"kid\":\"" : "", kid ? kid : "", kid ? "\"" : "");

    JOSE_CHECK(n > 0 && (size_t)n < cap);
}

struct mint_opts {
    const char *alg;
    const char *kid;
    const char *tamper;
};

/* Parse --alg/--kid/--tamper from argv[*i]; stops at the first operand. */
static void
mint_opts(int argc, char **argv, int *i, struct mint_opts *o)
{
    while (*i < argc && strncmp(argv[*i], "--", 2) == 0) {
        const char *name = argv[*i];

        if (strcmp(name, "--") == 0) {
            ++*i;
            return;
        }
        if (*i + 1 >= argc)
            mint_usage();
        if (strcmp(name, "--alg") == 0)
            o->alg = mint_word("--alg", argv[*i + 1]);
        else if (strcmp(name, "--kid") == 0)
            o->kid = mint_word("--kid", argv[*i + 1]);
        else if (strcmp(name, "--tamper") == 0)
            o->tamper = argv[*i + 1];
        else
            mint_usage();
        *i += 2;
    }
}

static int
mint_sign(const struct mint_opts *o, const char *path, const char *payload)
{
    static char in[JOSE_TOKEN_MAX], tok[JOSE_TOKEN_MAX];
    unsigned char sig[JOSE_SIG_MAX];
    struct jose_key k = {mint_load(path), NULL, 0};
    const char *alg = o->alg ? o->alg : mint_default_alg(k.pkey);
    char header[3 * MINT_KID_MAX];
    size_t n, siglen;

    mint_header(alg, o->kid, header, sizeof header);
    n = jose_signing_input(header, strlen(header), payload, strlen(payload), in,
                           sizeof in);
    siglen = jose_sign(alg, &k, in, n, sig, sizeof sig);
    jose_token_sig(header, o->tamper ? o->tamper : payload, sig, siglen, tok,
                   sizeof tok);
    EVP_PKEY_free(k.pkey);
    puts(tok);
    return 0;
}

static int
mint_unsigned(const struct mint_opts *o, const char *payload)
{
    static char tok[JOSE_TOKEN_MAX];
    char header[3 * MINT_KID_MAX];

    mint_header("none", o->kid, header, sizeof header);
    jose_token(header, payload, NULL, NULL, tok, sizeof tok);
    puts(tok);
    return 0;
}

int
main(int argc, char **argv)
{
    struct mint_opts o = {NULL, NULL, NULL};
    int i = 2;

    if (argc < 2)
        mint_usage();
    if (strcmp(argv[1], "key") == 0 && argc == 4)
        return mint_key(argv[2], argv[3]);
    if (strcmp(argv[1], "jwk") == 0 && (argc == 4 || argc == 5))
        return mint_jwk(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    if (strcmp(argv[1], "sign") == 0) {
        mint_opts(argc, argv, &i, &o);
        if (argc - i != 2)
            mint_usage();
        return mint_sign(&o, argv[i], argv[i + 1]);
    }
    if (strcmp(argv[1], "unsigned") == 0) {
        mint_opts(argc, argv, &i, &o);
        if (argc - i != 1 || o.alg != NULL || o.tamper != NULL)
            mint_usage();
        return mint_unsigned(&o, argv[i]);
    }
    mint_usage();
}
