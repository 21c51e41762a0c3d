#ifndef CUTOVER_WORKER_H
#define CUTOVER_WORKER_H

/* What the dashboard's worker threads (analysis_worker, podindex_worker) share: each waits on a
 * condition variable under its mutex for work or a stop flag. */

#include <pthread.h>
#include <stdbool.h>

/* Sets *stop under mu, wakes the thread waiting on cv and joins it. */
void worker_stop_join(pthread_mutex_t *mu, pthread_cond_t *cv, bool *stop, pthread_t thread);

#endif
