#ifndef GAZETTE_CZLIB_SHIM_H
#define GAZETTE_CZLIB_SHIM_H
#include <zlib.h>

// deflateInit2 is a macro (it passes the version and struct size): Swift cannot call it.
// windowBits 15 + 16 writes a gzip header and trailer.
static inline int gazette_deflate_init_gzip(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
#endif
