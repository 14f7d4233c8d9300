/*
 * Preloaded beside glibc's libc_malloc_debug.so.0: turns glibc's mtrace on before the program's main()
 * runs, so that every malloc/realloc/free of the process goes to $MALLOC_TRACE from the start. Since
 * glibc 2.34 mtrace()/muntrace() only work with libc_malloc_debug.so preloaded, they are not found by a
 * plain dlsym (libc.so.6 keeps do-nothing stubs), and a program has to call them itself; CPython never
 * does. jpymalloc_stop_mtrace() is the way to stop from a script (ctypes.CDLL(None)).
 * Built by record-cpython-trace.sh.
 */
#include <mcheck.h>

__attribute__((constructor)) static void jpymalloc_start_mtrace(void) {
    mtrace();
}

void jpymalloc_stop_mtrace(void) {
    muntrace();
}
