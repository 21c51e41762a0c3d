#ifndef CUTOVER_SIM_GEN_H
#define CUTOVER_SIM_GEN_H

/* Generating one cluster's objects from its scenario: nodes with their images, namespaces,
 * workloads with their ReplicaSets, pods (with managedFields, 7-13 KB each), services, secrets,
 * configmaps, events and leases, all loaded into a store. Deterministic for a given seed. */

#include <stdint.h>

#include "cutover/error.h"
#include "sim_scenario.h"
#include "sim_store.h"

/* Fills store (then seals it) with the objects spec describes; ca_pem goes into the
 * kube-root-ca.crt configmaps. */
int sim_gen_cluster(const struct sim_cluster_spec *spec, int index, const char *ca_pem,
                    struct sim_store *store, struct error *err);
/* A random name suffix as Kubernetes makes them (consonants and digits), n chars into out. */
void sim_gen_suffix(uint64_t *rng, char *out, size_t n);
/* A random UID (RFC 4122 form) into out (37 bytes). */
void sim_gen_uid(uint64_t *rng, char *out);
/* The next pseudo-random number (splitmix64). */
uint64_t sim_gen_rand(uint64_t *rng);

#endif
