#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H

#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>
#include <openssl/err.h>

/* The STACK_OF helpers are type-generic macros in OpenSSL's headers; these
   wrap the few the client certificate check uses, for Swift. */

static inline STACK_OF(X509) *COpenSSL_certificates_new(void) { return sk_X509_new_null(); }

static inline int COpenSSL_certificates_push(STACK_OF(X509) *stack, X509 *certificate) {
    return sk_X509_push(stack, certificate);
}

static inline X509 *COpenSSL_certificates_first(STACK_OF(X509) *stack) { return sk_X509_value(stack, 0); }

static inline void COpenSSL_certificates_free(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }

static inline GENERAL_NAMES *COpenSSL_subject_alt_names(X509 *certificate) {
    return (GENERAL_NAMES *) X509_get_ext_d2i(certificate, NID_subject_alt_name, 0, 0);
}

static inline int COpenSSL_names_count(GENERAL_NAMES *names) { return sk_GENERAL_NAME_num(names); }

/* the rfc822Name of entry i, or 0 if it is another kind of name */
static inline ASN1_IA5STRING *COpenSSL_names_email(GENERAL_NAMES *names, int i) {
    GENERAL_NAME *name = sk_GENERAL_NAME_value(names, i);
    return name->type == GEN_EMAIL ? name->d.rfc822Name : 0;
}

static inline void COpenSSL_names_free(GENERAL_NAMES *names) { GENERAL_NAMES_free(names); }

#endif
