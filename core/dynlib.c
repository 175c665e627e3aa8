/* core/dynlib: shared libraries loaded when first needed (dynlib.h). */
#include "core/dynlib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

int vvm_dynlib_load(vvm_dynlib *lib)
{
    pthread_mutex_lock(&lock);
    if (lib->state == 0) {
        void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            const char *e = dlerror();
            snprintf(lib->why, sizeof lib->why, "%s", e ? e : lib->soname);
            lib->state = -1;
        } else {
            lib->state = 1;
            for (size_t k = 0; k < lib->nsyms; k++) {
                void *p = dlsym(h, lib->syms[k].name);
                if (!p) {
                    snprintf(lib->why, sizeof lib->why, "%s lacks %s", lib->soname, lib->syms[k].name);
                    lib->state = -1;
                    dlclose(h);
                    break;
                }
                *lib->syms[k].slot = p;
            }
        }
    }
    int r = lib->state == 1 ? 0 : -1;
    pthread_mutex_unlock(&lock);
    return r;
}
