/* mbedtls_config.h — the mbedTLS 3.6 subset the Pico W example needs: a TLS 1.2
 * client that verifies RSA-rooted chains (Aliyun IoT Root CA, GlobalSign R1/R6) with SNI. */
#ifndef ALIMQTT_PICO_W_MBEDTLS_CONFIG_H
#define ALIMQTT_PICO_W_MBEDTLS_CONFIG_H

/* --- platform: no OS entropy or clock; the SDK feeds the RP2040's ROSC-based RNG --- */
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C
/* time() for session bookkeeping (the SDK's lwIP glue needs it). No
 * MBEDTLS_HAVE_TIME_DATE: without a calendar clock certificate dates are not
 * checked (the chain, the signatures and the host name still are). */
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MS_TIME_ALT /* mbedtls_ms_time() is in tls_time.c */
/* The SDK's altcp_tls_mbedtls.c reads mbedTLS 3.x private fields (out_left). */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS

/* --- TLS 1.2 client --- */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_IN_CONTENT_LEN  16384 /* the server may send full-size records */
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096  /* our MQTT packets are small */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_RSA_ENABLED

/* --- certificates --- */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C

/* --- public key --- */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM

/* --- symmetric and hashes (R1 chains use SHA-1/SHA-256, R6 uses SHA-384) --- */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_MODE_CBC
#define MBEDTLS_MD_C
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA224_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C

#endif /* ALIMQTT_PICO_W_MBEDTLS_CONFIG_H */
