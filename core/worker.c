/* What the dashboard's worker threads share. */
#include "cutover/worker.h"

#include "cutover/xalloc.h"

void worker_stop_join(pthread_mutex_t *mu, pthread_cond_t *cv, bool *stop, pthread_t thread)
{
    XPTHREAD(pthread_mutex_lock(mu));
    *stop = true;
    XPTHREAD(pthread_cond_signal(cv));
    XPTHREAD(pthread_mutex_unlock(mu));
    XPTHREAD(pthread_join(thread, NULL));
}
