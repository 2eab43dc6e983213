#ifndef NCLANDSCAPE_CLINEARALGEBRA_SHIM_H
#define NCLANDSCAPE_CLINEARALGEBRA_SHIM_H

/* Swift cannot import C99 `_Complex`; LAPACKE lets us supply a layout-compatible struct. */
typedef struct { float real; float imag; } nc_complex_float;
typedef struct { double real; double imag; } nc_complex_double;
#define LAPACK_COMPLEX_CUSTOM
#define lapack_complex_float nc_complex_float
#define lapack_complex_double nc_complex_double

#include <lapacke.h>
#include <cblas.h>
#include <arpack/arpack.h>
/* Double-double arithmetic (QD library, Debian libqd-dev): ~32 significant digits, for
   polishing points past double precision and certifying them. */
#include <qd/c_dd.h>
#include <qd/c_qd.h>

/* `lapack_int` and `a_int` are macros, invisible to Swift: give them names. */
typedef lapack_int nc_lapack_int;
typedef a_int nc_arpack_int;

#endif
