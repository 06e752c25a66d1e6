/* The AWS zone's certificate authority: one per topology, made at `up`
 * with libcrypto (opened on first use, util/dlib.h), kept in the state
 * folder until `down`. Every node and bundled runtime trusts it; the
 * zone's front serves a certificate it signed for every service name. */
#ifndef VPCSIM_AWS_CA_H
#define VPCSIM_AWS_CA_H

#include "model/topology.h"

/* Files in DIR (the topology's state folder + "/aws"). */
#define AWS_CA_CERT "ca.pem"           /* the CA certificate, `vpcsim ca` */
#define AWS_CA_BUNDLE "ca-bundle.pem"  /* the system's CAs and ours */
#define AWS_SERVER_CERT "server.pem"
#define AWS_SERVER_KEY "server.key"

/* Make the CA (its key is thrown away once it signed), the server's key
 * and certificate for every name of t's services, and the bundle, in
 * dir (which exists). 0 or -errno with err_msg(). */
int aws_ca_make(const struct topology *t, const char *dir);

#endif
