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

/* `lapack_int` and `a_int` are macros, invisible to Swift: give them names. */
typedef lapack_int nc_lapack_int;
typedef a_int nc_arpack_int;

#endif
