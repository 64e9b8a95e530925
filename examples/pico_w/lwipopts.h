/* lwipopts.h — lwIP configuration of the alimqtt Pico W example: NO_SYS under the
 * cyw43 arch (poll or threadsafe background), DHCP, DNS, altcp, and TLS when ALIMQTT_TLS=1. */
#ifndef ALIMQTT_PICO_W_LWIPOPTS_H
#define ALIMQTT_PICO_W_LWIPOPTS_H

/* --- system: the cyw43 arch runs lwIP without an OS --- */
#define NO_SYS                      1
#define LWIP_SOCKET                 0
#define LWIP_NETCONN                0
#if PICO_CYW43_ARCH_POLL
#define MEM_LIBC_MALLOC             1
#else
#define MEM_LIBC_MALLOC             0 /* required by threadsafe_background */
#endif
#define MEM_ALIGNMENT               4
#define MEM_SIZE                    8000
#define MEMP_NUM_TCP_SEG            32
#define MEMP_NUM_ARP_QUEUE          10
#define PBUF_POOL_SIZE              24

/* --- protocols --- */
#define LWIP_ARP                    1
#define LWIP_ETHERNET               1
#define LWIP_ICMP                   1
#define LWIP_RAW                    1
#define LWIP_IPV4                   1
#define LWIP_TCP                    1
#define LWIP_UDP                    1
#define LWIP_DNS                    1
#define LWIP_DHCP                   1
#define DHCP_DOES_ARP_CHECK         0
#define LWIP_DHCP_DOES_ACD_CHECK    0
#define LWIP_TCP_KEEPALIVE          1
#define LWIP_CHKSUM_ALGORITHM       3
#define LWIP_NETIF_STATUS_CALLBACK  1
#define LWIP_NETIF_LINK_CALLBACK    1
#define LWIP_NETIF_HOSTNAME         1
#define LWIP_NETIF_TX_SINGLE_PBUF   1

/* --- TCP buffers ---
 * The window holds one full TLS record (16 KiB; mbedTLS cannot decrypt a
 * partial one), so a large record never stalls the connection. */
#define TCP_MSS                     1460
#define TCP_WND                     (12 * TCP_MSS)
#define TCP_SND_BUF                 (4 * TCP_MSS)
#define TCP_SND_QUEUELEN            ((4 * (TCP_SND_BUF) + (TCP_MSS - 1)) / (TCP_MSS))

/* --- altcp: plain TCP and TLS behind one API --- */
#define LWIP_ALTCP                  1
#if ALIMQTT_TLS
#define LWIP_ALTCP_TLS              1
#define LWIP_ALTCP_TLS_MBEDTLS      1
/* lwIP's default is MBEDTLS_SSL_VERIFY_OPTIONAL, which completes the handshake
 * with a certificate that failed verification. Require it. */
#define ALTCP_MBEDTLS_AUTHMODE      MBEDTLS_SSL_VERIFY_REQUIRED
#endif

/* --- no statistics or debug output --- */
#define LWIP_STATS                  0
#define LWIP_STATS_DISPLAY          0
#define MEM_STATS                   0
#define SYS_STATS                   0
#define MEMP_STATS                  0
#define LINK_STATS                  0

#endif /* ALIMQTT_PICO_W_LWIPOPTS_H */
