/*
 * trickster's own WebAssembly SIMD kernels (wasm32 + SIMD128), built by scripts/build-wasm-kernels.mjs.
 *
 * The module imports the tfjs wasm backend's WebAssembly.Memory and reads and writes tensors in
 * place: every argument is a byte offset into that memory (a tensor's memoryOffset) or a size.
 * It must never touch memory it was not given: no static data, no C stack (the build checks that
 * the binary has no data section and never reads the stack pointer), no allocation.
 * Tensors are float32, channels last (NHWC / [rows, C]); channel counts need not be multiples of 4.
 */
#include <wasm_simd128.h>

typedef float f32;

/* 4 floats at p (any alignment). */
static inline v128_t ld(const f32 *p) { return wasm_v128_load(p); }
static inline void st(f32 *p, v128_t v) { wasm_v128_store(p, v); }

/*
 * acc + a·b, the conv tiles' inner step. kernels-fma.wasm (built with TRICKSTER_FMA and relaxed SIMD)
 * uses f32x4.relaxed_madd, which a CPU with FMA runs as one fused multiply-add (one rounding);
 * kernels.wasm multiplies, then adds (two roundings), as XNNPACK's SIMD128 kernels do.
 */
#ifdef TRICKSTER_FMA
static inline v128_t madd(v128_t a, v128_t b, v128_t acc) { return wasm_f32x4_relaxed_madd(a, b, acc); }
#else
static inline v128_t madd(v128_t a, v128_t b, v128_t acc) { return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b)); }
#endif

/*
 * One full 2x2 window of disjoint windows, channels [0, ch4): x00 at x, dx00 at dx, rows `row`
 * floats apart, columns `col`. The winner is the last tap strictly greater than the running
 * maximum (tap 0 when none is), as in the generic loop below; dx gets dy there, 0 elsewhere.
 */
static inline void max_pool_grad_2x2(const f32 *x, const f32 *g, f32 *dx, int ch4, int row, int col) {
  for (int k = 0; k < ch4; k += 4) {
    const v128_t v0 = ld(x + k), v1 = ld(x + col + k), v2 = ld(x + row + k), v3 = ld(x + row + col + k);
    const v128_t gt1 = wasm_f32x4_gt(v1, v0);
    const v128_t m1 = wasm_v128_bitselect(v1, v0, gt1);
    const v128_t gt2 = wasm_f32x4_gt(v2, m1);
    const v128_t m2 = wasm_v128_bitselect(v2, m1, gt2);
    const v128_t gt3 = wasm_f32x4_gt(v3, m2);
    const v128_t gv = ld(g + k);
    const v128_t w3 = wasm_v128_and(gv, gt3);
    const v128_t w2 = wasm_v128_andnot(wasm_v128_and(gv, gt2), gt3);
    const v128_t w1 = wasm_v128_andnot(wasm_v128_andnot(wasm_v128_and(gv, gt1), gt2), gt3);
    const v128_t w0 = wasm_v128_andnot(gv, wasm_v128_or(wasm_v128_or(gt1, gt2), gt3));
    st(dx + k, w0);
    st(dx + col + k, w1);
    st(dx + row + k, w2);
    st(dx + row + col + k, w3);
  }
}

/*
 * MaxPoolGrad, NHWC: dx[n, r, c, ch] = the sum of dy over the windows whose first maximum in
 * row-major tap order (padding excluded) is this input cell, as tfjs' cpu backend routes it.
 * x: [n, h, w, ch]; dy: [n, ho, wo, ch]; dx: [n, h, w, ch] (written whole).
 * When windows cannot overlap (stride >= size, small-cnn's 2x2/2) each cell gets at most one
 * window's dy, so dx is stored, not accumulated, and when the windows also tile x exactly it is
 * not zeroed first: one pass over x, dy and dx instead of three.
 */
__attribute__((export_name("max_pool_grad")))
void max_pool_grad(const f32 *x, const f32 *dy, f32 *dx, int n, int h, int w, int ch, int ho, int wo,
                   int kh, int kw, int sh, int sw, int pad_top, int pad_left) {
  const int plane = h * w * ch;
  const int disjoint = sh >= kh && sw >= kw;
  const int tiles = sh == kh && sw == kw && pad_top == 0 && pad_left == 0 && ho * sh >= h && wo * sw >= w;
  if (!tiles)
    for (int i = 0; i < n * plane; i++) dx[i] = 0.0f;
  const int ch4 = ch & ~3;
  for (int b = 0; b < n; b++) {
    const f32 *xb = x + b * plane;
    f32 *dxb = dx + b * plane;
    for (int i = 0; i < ho; i++) {
      const int r0 = i * sh - pad_top;
      const int ra = r0 < 0 ? 0 : r0, rb = r0 + kh > h ? h : r0 + kh;
      for (int j = 0; j < wo; j++) {
        const int c0 = j * sw - pad_left;
        const int ca = c0 < 0 ? 0 : c0, cb = c0 + kw > w ? w : c0 + kw;
        const f32 *g = dy + ((b * ho + i) * wo + j) * ch;
        if (ra >= rb || ca >= cb) continue;
        if (disjoint && rb - ra == 2 && cb - ca == 2) {
          max_pool_grad_2x2(xb + (ra * w + ca) * ch, g, dxb + (ra * w + ca) * ch, ch4, w * ch, ch);
        } else
        for (int k = 0; k < ch4; k += 4) {
          /* First maximum: a later tap wins only when strictly greater. */
          v128_t best = ld(xb + (ra * w + ca) * ch + k);
          v128_t arg = wasm_i32x4_splat(ra * w + ca);
          for (int r = ra; r < rb; r++)
            for (int c = ca; c < cb; c++) {
              const v128_t v = ld(xb + (r * w + c) * ch + k);
              const v128_t gt = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, gt);
              arg = wasm_v128_bitselect(wasm_i32x4_splat(r * w + c), arg, gt);
            }
          const v128_t gv = ld(g + k);
          for (int r = ra; r < rb; r++)
            for (int c = ca; c < cb; c++) {
              f32 *d = dxb + (r * w + c) * ch + k;
              const v128_t mine = wasm_v128_and(gv, wasm_i32x4_eq(arg, wasm_i32x4_splat(r * w + c)));
              st(d, disjoint ? mine : wasm_f32x4_add(ld(d), mine));
            }
        }
        for (int k = ch4; k < ch; k++) {
          int arg = ra * w + ca;
          f32 best = xb[arg * ch + k];
          for (int r = ra; r < rb; r++)
            for (int c = ca; c < cb; c++)
              if (xb[(r * w + c) * ch + k] > best) {
                best = xb[(r * w + c) * ch + k];
                arg = r * w + c;
              }
          if (disjoint)
            for (int r = ra; r < rb; r++)
              for (int c = ca; c < cb; c++) dxb[(r * w + c) * ch + k] = 0.0f;
          dxb[arg * ch + k] += g[k];
        }
      }
    }
  }
}

/* acc[k] += row[k] for k < ch, and acc2[k] += row[k] * (xrow[k] - mu[k]). */
static inline void accumulate_row(f32 *acc, f32 *acc2, const f32 *row, const f32 *xrow, const f32 *mu, int ch) {
  const int ch4 = ch & ~3;
  int k = 0;
  for (; k < ch4; k += 4) {
    const v128_t g = ld(row + k);
    st(acc + k, wasm_f32x4_add(ld(acc + k), g));
    st(acc2 + k, wasm_f32x4_add(ld(acc2 + k), wasm_f32x4_mul(g, wasm_f32x4_sub(ld(xrow + k), ld(mu + k)))));
  }
  for (; k < ch; k++) {
    acc[k] += row[k];
    acc2[k] += row[k] * (xrow[k] - mu[k]);
  }
}

#define BN_BLOCK 256

/*
 * Closed-form batch-norm gradient over rows of `ch` channels (x̂ = (x − μ)·r, r = (σ² + ε)^(−1/2)):
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ·r · (dy − dβ/m − x̂·dγ/m).
 * Two passes over dy and x. Sums go through blocks of BN_BLOCK rows (less rounding than one long sum).
 * scratch: 4·ch floats the kernel may overwrite.
 */
__attribute__((export_name("batch_norm_grad")))
void batch_norm_grad(const f32 *dy, const f32 *x, const f32 *mean, const f32 *var, const f32 *gamma, f32 eps,
                     f32 *dx, f32 *dgamma, f32 *dbeta, f32 *scratch, int m, int ch) {
  f32 *blk_b = scratch, *blk_g = scratch + ch;
  for (int k = 0; k < ch; k++) dbeta[k] = dgamma[k] = 0.0f;
  for (int r0 = 0; r0 < m; r0 += BN_BLOCK) {
    const int r1 = r0 + BN_BLOCK < m ? r0 + BN_BLOCK : m;
    for (int k = 0; k < ch; k++) blk_b[k] = blk_g[k] = 0.0f;
    for (int r = r0; r < r1; r++) accumulate_row(blk_b, blk_g, dy + r * ch, x + r * ch, mean, ch);
    for (int k = 0; k < ch; k++) {
      dbeta[k] += blk_b[k];
      dgamma[k] += blk_g[k];
    }
  }
  /* Per channel: dx = k·(dy − a − (x − μ)·b) with k = γ·r, a = dβ/m, b = dγ·r/m (dγ so far is Σdy·(x − μ)). */
  f32 *kk = scratch, *aa = scratch + ch, *bb = scratch + 2 * ch;
  for (int k = 0; k < ch; k++) {
    const f32 r = 1.0f / __builtin_sqrtf(var[k] + eps);
    dgamma[k] *= r;
    kk[k] = gamma[k] * r;
    aa[k] = dbeta[k] / (f32)m;
    bb[k] = dgamma[k] * r / (f32)m;
  }
  const int ch4 = ch & ~3;
  for (int r = 0; r < m; r++) {
    const f32 *g = dy + r * ch, *xr = x + r * ch;
    f32 *d = dx + r * ch;
    int k = 0;
    for (; k < ch4; k += 4) {
      const v128_t centred = wasm_f32x4_sub(ld(xr + k), ld(mean + k));
      const v128_t t = wasm_f32x4_sub(wasm_f32x4_sub(ld(g + k), ld(aa + k)), wasm_f32x4_mul(centred, ld(bb + k)));
      st(d + k, wasm_f32x4_mul(ld(kk + k), t));
    }
    for (; k < ch; k++) d[k] = kk[k] * (g[k] - aa[k] - (xr[k] - mean[k]) * bb[k]);
  }
}

/* acc[k] += row[k] (sq = 0) or (row[k] − mu[k])² (sq = 1), for k < ch. */
static inline void add_row(f32 *acc, const f32 *row, const f32 *mu, int ch, int sq) {
  const int ch4 = ch & ~3;
  int k = 0;
  if (sq) {
    for (; k < ch4; k += 4) {
      const v128_t d = wasm_f32x4_sub(ld(row + k), ld(mu + k));
      st(acc + k, wasm_f32x4_add(ld(acc + k), wasm_f32x4_mul(d, d)));
    }
    for (; k < ch; k++) acc[k] += (row[k] - mu[k]) * (row[k] - mu[k]);
  } else {
    for (; k < ch4; k += 4) st(acc + k, wasm_f32x4_add(ld(acc + k), ld(row + k)));
    for (; k < ch; k++) acc[k] += row[k];
  }
}

/* out[k] = Σ over rows of row[k] (sq = 0) or (row[k] − mu[k])² (sq = 1), divided by m; sums in blocks of BN_BLOCK rows. */
static void column_means(const f32 *x, const f32 *mu, f32 *out, f32 *blk, int m, int ch, int sq) {
  for (int k = 0; k < ch; k++) out[k] = 0.0f;
  for (int r0 = 0; r0 < m; r0 += BN_BLOCK) {
    const int r1 = r0 + BN_BLOCK < m ? r0 + BN_BLOCK : m;
    for (int k = 0; k < ch; k++) blk[k] = 0.0f;
    for (int r = r0; r < r1; r++) add_row(blk, x + r * ch, mu, ch, sq);
    for (int k = 0; k < ch; k++) out[k] += blk[k];
  }
  for (int k = 0; k < ch; k++) out[k] /= (f32)m;
}

/*
 * Per-channel mean and (biased) variance of m rows of ch channels, as tf.moments over every axis but
 * the last: two passes over x (the variance from deviations, not E[x²] − μ²). scratch: ch floats.
 */
__attribute__((export_name("moments")))
void moments(const f32 *x, f32 *mean, f32 *var, f32 *scratch, int m, int ch) {
  column_means(x, mean, mean, scratch, m, ch, 0);
  column_means(x, mean, var, scratch, m, ch, 1);
}

/*
 * Batch norm with per-channel statistics in one pass: y = x·s + t, s = γ/√(σ² + ε), t = β − μ·s.
 * scratch: 2·ch floats.
 */
__attribute__((export_name("batch_norm")))
void batch_norm(const f32 *x, const f32 *mean, const f32 *var, const f32 *gamma, const f32 *beta, f32 eps, f32 *y,
                f32 *scratch, int m, int ch) {
  f32 *s = scratch, *t = scratch + ch;
  for (int k = 0; k < ch; k++) {
    s[k] = gamma[k] / __builtin_sqrtf(var[k] + eps);
    t[k] = beta[k] - mean[k] * s[k];
  }
  const int ch4 = ch & ~3;
  for (int r = 0; r < m; r++) {
    const f32 *xr = x + r * ch;
    f32 *yr = y + r * ch;
    int k = 0;
    for (; k < ch4; k += 4) st(yr + k, wasm_f32x4_add(wasm_f32x4_mul(ld(xr + k), ld(s + k)), ld(t + k)));
    for (; k < ch; k++) yr[k] = xr[k] * s[k] + t[k];
  }
}

/* ReLU's gradient in one pass: dx = dy · step(x), step(x) = 1 where x > 0, NaN where x is NaN, else 0 (tfjs' Relu gradient). */
__attribute__((export_name("relu_grad")))
void relu_grad(const f32 *dy, const f32 *x, f32 *dx, int size) {
  const int size4 = size & ~3;
  const v128_t zero = wasm_f32x4_splat(0.0f), one = wasm_f32x4_splat(1.0f);
  int i = 0;
  for (; i < size4; i += 4) {
    const v128_t v = ld(x + i);
    const v128_t step = wasm_v128_or(wasm_v128_and(one, wasm_f32x4_gt(v, zero)), wasm_v128_and(v, wasm_f32x4_ne(v, v)));
    st(dx + i, wasm_f32x4_mul(ld(dy + i), step));
  }
  for (; i < size; i++) dx[i] = dy[i] * (x[i] > 0.0f ? 1.0f : x[i] != x[i] ? x[i] : 0.0f);
}

/*
 * One register tile of the conv filter gradient: nci input channels (from ci0) x ncov*4 output
 * channels (from co0) of one tap, summed over the pixels (i, j) of images [b0, b1) in [i0, i1) x
 * [j0, j1) (those whose input cell for this tap lies inside the image). x_tap is x shifted by the
 * tap's offset, so that x_tap + ((b*h + i*sh)*w + j*sw)*cin is that input cell of output pixel (i, j)
 * of image b. The partial sums start from zero and are added to dw at the end (one sum per block).
 */
static inline __attribute__((always_inline)) void filter_grad_tile(
    const f32 *x_tap, const f32 *dy, f32 *dw, int ci0, int co0, int nci, int ncov,
    int b0, int b1, int i0, int i1, int j0, int j1, int h, int w, int cin, int ho, int wo, int cout, int sh, int sw) {
  v128_t acc[4][4];
  for (int t = 0; t < nci; t++)
    for (int v = 0; v < ncov; v++) acc[t][v] = wasm_f32x4_splat(0.0f);
  for (int b = b0; b < b1; b++)
    for (int i = i0; i < i1; i++) {
      const f32 *xr = x_tap + ((b * h + i * sh) * w + j0 * sw) * cin + ci0;
      const f32 *gr = dy + ((b * ho + i) * wo + j0) * cout + co0;
      for (int j = j0; j < j1; j++, xr += sw * cin, gr += cout) {
        v128_t g[4];
        for (int v = 0; v < ncov; v++) g[v] = ld(gr + 4 * v);
        for (int t = 0; t < nci; t++) {
          const v128_t xv = wasm_v128_load32_splat(xr + t);
          for (int v = 0; v < ncov; v++) acc[t][v] = madd(xv, g[v], acc[t][v]);
        }
      }
    }
  for (int t = 0; t < nci; t++)
    for (int v = 0; v < ncov; v++) {
      f32 *d = dw + (ci0 + t) * cout + co0 + 4 * v;
      st(d, wasm_f32x4_add(ld(d), acc[t][v]));
    }
}

/* The scalar tail of the filter gradient: output channels [co0, cout) (fewer than 4), all input channels, one tap. */
static void filter_grad_tail(const f32 *x_tap, const f32 *dy, f32 *dw, int co0, int b0, int b1, int i0, int i1, int j0, int j1,
                             int h, int w, int cin, int ho, int wo, int cout, int sh, int sw) {
  for (int ci = 0; ci < cin; ci++)
    for (int co = co0; co < cout; co++) {
      f32 s = 0.0f;
      for (int b = b0; b < b1; b++)
        for (int i = i0; i < i1; i++)
          for (int j = j0; j < j1; j++) s += x_tap[((b * h + i * sh) * w + j * sw) * cin + ci] * dy[((b * ho + i) * wo + j) * cout + co];
      dw[ci * cout + co] += s;
    }
}

/* First index i in [0, n) with i*s + off >= 0, and one past the last with i*s + off < size. */
static inline int first_inside(int off, int s) { return off >= 0 ? 0 : (-off + s - 1) / s; }
static inline int end_inside(int off, int s, int size, int n) {
  if (size - 1 - off < 0) return 0;
  const int e = (size - 1 - off) / s + 1;
  return e < n ? e : n;
}

/*
 * Conv2DBackpropFilter, NHWC, straight from x and dy (no im2col, no transposes):
 *   dw[a, b, ci, co] = sum over n, i, j of x[n, i*sh + a*dh - pad_top, j*sw + b*dwid - pad_left, ci] * dy[n, i, j, co]
 * (cells outside x are zero). x: [n, h, w, cin]; dy: [n, ho, wo, cout]; dw: [kh, kw, cin, cout] (written whole).
 * The output pixels go in blocks (strips of rows of one image, or groups of whole small images) whose
 * dy and x take about block_floats floats, so that they stay in cache while every tap and channel
 * tile passes over them; per block, tap and tile of 4 input x 8 output channels the sum runs in
 * registers over the block's pixels whose input cell is inside the image, then is added to dw.
 */
__attribute__((export_name("conv2d_backprop_filter")))
void conv2d_backprop_filter(const f32 *x, const f32 *dy, f32 *dw, int n, int h, int w, int cin, int ho, int wo, int cout,
                            int kh, int kw, int sh, int sw, int dh, int dwid, int pad_top, int pad_left, int block_floats) {
  for (int k = 0; k < kh * kw * cin * cout; k++) dw[k] = 0.0f;
  /* Floats of dy and x per output row (x: sh input rows of w cells). */
  const int row_floats = wo * cout + sh * w * cin;
  int rows = block_floats / row_floats;
  rows = rows < 1 ? 1 : rows > ho ? ho : rows;
  int images = rows < ho ? 1 : block_floats / (ho * row_floats);
  images = images < 1 ? 1 : images;
  const int ci4 = cin & ~3, co8 = cout & ~7, co4 = cout & ~3;
  for (int b0 = 0; b0 < n; b0 += images) {
    const int b1 = b0 + images < n ? b0 + images : n;
    for (int r0 = 0; r0 < ho; r0 += rows) {
      const int r1 = r0 + rows < ho ? r0 + rows : ho;
      for (int a = 0; a < kh; a++) {
        const int roff = a * dh - pad_top;
        int i0 = first_inside(roff, sh), i1 = end_inside(roff, sh, h, ho);
        i0 = i0 > r0 ? i0 : r0;
        i1 = i1 < r1 ? i1 : r1;
        if (i0 >= i1) continue;
        for (int c = 0; c < kw; c++) {
          const int coff = c * dwid - pad_left;
          const int j0 = first_inside(coff, sw), j1 = end_inside(coff, sw, w, wo);
          if (j0 >= j1) continue;
          const f32 *xt = x + (roff * w + coff) * cin;
          f32 *dwt = dw + (a * kw + c) * cin * cout;
#define FG_TILE(CI0, NCI, CO0, NCOV) \
  filter_grad_tile(xt, dy, dwt, CI0, CO0, NCI, NCOV, b0, b1, i0, i1, j0, j1, h, w, cin, ho, wo, cout, sh, sw)
          for (int co = 0; co < co8; co += 8) {
            int ci = 0;
            for (; ci < ci4; ci += 4) FG_TILE(ci, 4, co, 2);
            for (; ci < cin; ci++) FG_TILE(ci, 1, co, 2);
          }
          if (co8 < co4) {
            int ci = 0;
            for (; ci < ci4; ci += 4) FG_TILE(ci, 4, co8, 1);
            for (; ci < cin; ci++) FG_TILE(ci, 1, co8, 1);
          }
#undef FG_TILE
          if (co4 < cout) filter_grad_tail(xt, dy, dwt, co4, b0, b1, i0, i1, j0, j1, h, w, cin, ho, wo, cout, sh, sw);
        }
      }
    }
  }
}

/*
 * The register tile both the conv input gradient and the forward conv run: out[t, 4v..4v+3] +=
 * sum over k of a[t, k] * b[k, 4v..4v+3], for nj <= 4 rows t (out_t and a_t floats apart) and
 * nv <= 2 vectors of 4 channels (b's rows b_k floats apart), k in order (so the sums add up in the
 * same order as before). out is read and written back.
 */
static inline __attribute__((always_inline)) void outer_tile(f32 *out, int out_t, const f32 *a, int a_t, const f32 *b, int b_k, int nk, int nj, int nv) {
  v128_t acc[4][2];
  for (int t = 0; t < nj; t++)
    for (int v = 0; v < nv; v++) acc[t][v] = ld(out + t * out_t + 4 * v);
  for (int k = 0; k < nk; k++) {
    v128_t bv[2];
    for (int v = 0; v < nv; v++) bv[v] = ld(b + k * b_k + 4 * v);
    for (int t = 0; t < nj; t++) {
      const v128_t av = wasm_v128_load32_splat(a + t * a_t + k);
      for (int v = 0; v < nv; v++) acc[t][v] = madd(av, bv[v], acc[t][v]);
    }
  }
  for (int t = 0; t < nj; t++)
    for (int v = 0; v < nv; v++) st(out + t * out_t + 4 * v, acc[t][v]);
}

/*
 * One register tile of the conv input gradient: nj cells of one dx row, sw apart (those that one tap
 * of dy pixels j..j+nj-1 of one row reaches; dxp and gp point at the first), x nciv*4 input channels
 * (nciv = 0: one scalar channel): dx += sum over co of dy[pixel, co] * wt[co, ci], where wt points
 * at the tap's slice of the filter transposed to [kh, kw, cout, cin], from the tile's first channel.
 */
static inline __attribute__((always_inline)) void input_grad_tile(
    f32 *dxp, const f32 *gp, const f32 *wt, int nj, int nciv, int cin, int cout, int sw) {
  if (nciv == 0) {
    for (int t = 0; t < nj; t++) {
      f32 s = dxp[t * sw * cin];
      for (int co = 0; co < cout; co++) s += gp[t * cout + co] * wt[co * cin];
      dxp[t * sw * cin] = s;
    }
    return;
  }
  outer_tile(dxp, sw * cin, gp, cout, wt, cin, cout, nj, nciv);
}

/*
 * The input-gradient tiles of one dy row segment [j0, j1) for one tap, all input channels: channel
 * tiles outside, pixels inside, so that the tap's filter slice of a channel tile (cout x 8 floats)
 * stays in L1 while the pixels stream past.
 */
static void input_grad_row(f32 *dx_row, const f32 *dy_row, const f32 *wt, int j0, int j1, int coff, int cin, int cout, int sw) {
  const int ci8 = cin & ~7, ci4 = cin & ~3;
#define IG_PIXELS(CI, NCIV)                                                                                     \
  {                                                                                                             \
    int j = j0;                                                                                                 \
    for (; j + 4 <= j1; j += 4) input_grad_tile(dx_row + (j * sw + coff) * cin + (CI), dy_row + j * cout, wt + (CI), 4, NCIV, cin, cout, sw); \
    if (j + 2 <= j1) {                                                                                          \
      input_grad_tile(dx_row + (j * sw + coff) * cin + (CI), dy_row + j * cout, wt + (CI), 2, NCIV, cin, cout, sw); \
      j += 2;                                                                                                   \
    }                                                                                                           \
    if (j < j1) input_grad_tile(dx_row + (j * sw + coff) * cin + (CI), dy_row + j * cout, wt + (CI), 1, NCIV, cin, cout, sw); \
  }
  int ci = 0;
  for (; ci < ci8; ci += 8) IG_PIXELS(ci, 2)
  for (; ci < ci4; ci += 4) IG_PIXELS(ci, 1)
  for (; ci < cin; ci++) IG_PIXELS(ci, 0)
#undef IG_PIXELS
}

/*
 * Conv2DBackpropInput, NHWC, straight from dy and the filter (no phase split, no zero insertion):
 *   dx[n, i*sh + a*dh - pad_top, j*sw + b*dwid - pad_left, ci] += w[a, b, ci, co] * dy[n, i, j, co]
 * over every dy pixel and tap whose cell is inside dx. dy: [n, ho, wo, cout]; w: [kh, kw, cin, cout];
 * wt: scratch of kh*kw*cin*cout floats (the filter transposed to [kh, kw, cout, cin]); dx: [n, h, w, cin]
 * (written whole). dy goes in blocks of rows of one image, about block_floats floats of dy and dx, so
 * that dx stays in cache while every tap adds to it; per block, tap and dy row, tiles of 4 pixels x 8
 * input channels sum over cout in registers.
 */
__attribute__((export_name("conv2d_backprop_input")))
void conv2d_backprop_input(const f32 *dy, const f32 *w, f32 *wt, f32 *dx, int n, int h, int wd, int cin, int ho, int wo, int cout,
                           int kh, int kw, int sh, int sw, int dh, int dwid, int pad_top, int pad_left, int block_floats) {
  for (int k = 0; k < n * h * wd * cin; k++) dx[k] = 0.0f;
  for (int t = 0; t < kh * kw; t++)
    for (int ci = 0; ci < cin; ci++)
      for (int co = 0; co < cout; co++) wt[(t * cout + co) * cin + ci] = w[(t * cin + ci) * cout + co];
  const int row_floats = wo * cout + sh * wd * cin;
  int rows = block_floats / row_floats;
  rows = rows < 1 ? 1 : rows > ho ? ho : rows;
  for (int b = 0; b < n; b++)
    for (int r0 = 0; r0 < ho; r0 += rows) {
      const int r1 = r0 + rows < ho ? r0 + rows : ho;
      for (int a = 0; a < kh; a++) {
        const int roff = a * dh - pad_top;
        int i0 = first_inside(roff, sh), i1 = end_inside(roff, sh, h, ho);
        i0 = i0 > r0 ? i0 : r0;
        i1 = i1 < r1 ? i1 : r1;
        for (int i = i0; i < i1; i++) {
          f32 *dx_row = dx + (b * h + i * sh + roff) * wd * cin;
          const f32 *dy_row = dy + (b * ho + i) * wo * cout;
          for (int c = 0; c < kw; c++) {
            const int coff = c * dwid - pad_left;
            const int j0 = first_inside(coff, sw), j1 = end_inside(coff, sw, wd, wo);
            if (j0 < j1) input_grad_row(dx_row, dy_row, wt + (a * kw + c) * cout * cin, j0, j1, coff, cin, cout, sw);
          }
        }
      }
    }
}

/*
 * One register tile of the forward conv: nj output pixels of one row (yp: the first, cout apart) x
 * ncov*4 output channels, for one tap: y += sum over ci of x[pixel, ci] * w[ci, co], where xp points
 * at the tap's input cell of the first pixel (xs floats apart) and wp at the tap's [cin, cout] slice
 * of the filter from the tile's first output channel. y is read and written back, so the taps add up
 * in the same order as XNNPACK's conv (tap by tap, input channels in order).
 */
static inline __attribute__((always_inline)) void forward_tile(f32 *yp, const f32 *xp, const f32 *wp, int nj, int ncov, int cin, int cout, int xs) {
  outer_tile(yp, cout, xp, xs, wp, cout, cin, nj, ncov);
}

/* The forward conv's scalar tail for one tap and one output pixel: output channels [co0, cout). */
static void forward_tail(f32 *yp, const f32 *xp, const f32 *wp, int co0, int cin, int cout) {
  for (int co = co0; co < cout; co++) {
    f32 s = yp[co];
    for (int ci = 0; ci < cin; ci++) s += xp[ci] * wp[ci * cout + co];
    yp[co] = s;
  }
}

/*
 * Conv2D forward, NHWC: y[n, i, j, co] = sum over a, b, ci of
 * x[n, i*sh + a*dh - pad_top, j*sw + b*dwid - pad_left, ci] * w[a, b, ci, co] (cells outside x are zero).
 * x: [n, h, w, cin]; w: [kh, kw, cin, cout]; y: [n, ho, wo, cout] (written whole). Per output row and
 * tap, the pixels whose input cell is inside x go in tiles of 4 pixels x 8 output channels summed
 * over cin in registers (the row of y, three rows of x and the tap's filter slice stay in cache).
 */
__attribute__((export_name("conv2d_forward")))
void conv2d_forward(const f32 *x, const f32 *w, f32 *y, int n, int h, int wd, int cin, int ho, int wo, int cout,
                    int kh, int kw, int sh, int sw, int dh, int dwid, int pad_top, int pad_left) {
  for (int k = 0; k < n * ho * wo * cout; k++) y[k] = 0.0f;
  const int co8 = cout & ~7, co4 = cout & ~3, xs = sw * cin;
  for (int b = 0; b < n; b++)
    for (int i = 0; i < ho; i++) {
      f32 *y_row = y + (b * ho + i) * wo * cout;
      for (int a = 0; a < kh; a++) {
        const int r = i * sh + a * dh - pad_top;
        if (r < 0 || r >= h) continue;
        const f32 *x_row = x + (b * h + r) * wd * cin;
        for (int c = 0; c < kw; c++) {
          const int coff = c * dwid - pad_left;
          const int j0 = first_inside(coff, sw), j1 = end_inside(coff, sw, wd, wo);
          const f32 *wp = w + (a * kw + c) * cin * cout;
#define FW_PIXELS(CO, NCOV)                                                                                          \
  {                                                                                                                  \
    int j = j0;                                                                                                      \
    for (; j + 4 <= j1; j += 4) forward_tile(y_row + j * cout + (CO), x_row + (j * sw + coff) * cin, wp + (CO), 4, NCOV, cin, cout, xs); \
    if (j + 2 <= j1) {                                                                                               \
      forward_tile(y_row + j * cout + (CO), x_row + (j * sw + coff) * cin, wp + (CO), 2, NCOV, cin, cout, xs);      \
      j += 2;                                                                                                        \
    }                                                                                                                \
    if (j < j1) forward_tile(y_row + j * cout + (CO), x_row + (j * sw + coff) * cin, wp + (CO), 1, NCOV, cin, cout, xs); \
  }
          for (int co = 0; co < co8; co += 8) FW_PIXELS(co, 2)
          if (co8 < co4) FW_PIXELS(co8, 1)
#undef FW_PIXELS
          if (co4 < cout)
            for (int j = j0; j < j1; j++) forward_tail(y_row + j * cout, x_row + (j * sw + coff) * cin, wp, co4, cin, cout);
        }
      }
    }
}

/*
 * One step of torch.optim.SGD with momentum (core/optim/sgd.ts) over n floats, in the same float32
 * operations and order as that file's tf-op composition, so the results are identical:
 *   g' = g + w·wd (when wd_on);  b' = g' on the first step, else b·mu + g' (b·mu + g'·keep with dampening);
 *   u = nesterov ? g' + b'·mu : b';  w' = w − u·lr.
 * Writes w_out and b_out (new tensors: a variable's buffer may be shared). Separate statements keep
 * clang from contracting a product and a sum into one rounding.
 */
__attribute__((export_name("sgd_step")))
void sgd_step(const f32 *w, const f32 *g, const f32 *b, f32 *w_out, f32 *b_out, int n, f32 lr, f32 wd, f32 mu, f32 keep,
              int wd_on, int damp_on, int nesterov, int first) {
  const v128_t vlr = wasm_f32x4_splat(lr), vwd = wasm_f32x4_splat(wd), vmu = wasm_f32x4_splat(mu), vkeep = wasm_f32x4_splat(keep);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t wv = ld(w + i);
    v128_t gv = ld(g + i);
    if (wd_on) gv = wasm_f32x4_add(gv, wasm_f32x4_mul(wv, vwd));
    v128_t bv = gv;
    if (!first) bv = wasm_f32x4_add(wasm_f32x4_mul(ld(b + i), vmu), damp_on ? wasm_f32x4_mul(gv, vkeep) : gv);
    st(b_out + i, bv);
    const v128_t u = nesterov ? wasm_f32x4_add(gv, wasm_f32x4_mul(bv, vmu)) : bv;
    st(w_out + i, wasm_f32x4_sub(wv, wasm_f32x4_mul(u, vlr)));
  }
  for (; i < n; i++) {
    f32 gi = g[i];
    if (wd_on) {
      const f32 t = w[i] * wd;
      gi = gi + t;
    }
    f32 bi = gi;
    if (!first) {
      const f32 decayed = b[i] * mu;
      const f32 added = damp_on ? gi * keep : gi;
      bi = decayed + added;
    }
    b_out[i] = bi;
    f32 u = bi;
    if (nesterov) {
      const f32 t = bi * mu;
      u = gi + t;
    }
    const f32 step = u * lr;
    w_out[i] = w[i] - step;
  }
}
