/**
 * Boundary validation of the evaluation functions (plain numbers, no tensors). Every message
 * names the function and the argument (principle 9), e.g.
 * `kFoldVerification: same must have length 6 (one per score), got 5`.
 */

/** Throws unless `values` is an array-like of finite numbers of length `length` (if given). */
export function readScores(
  values: unknown,
  fn: string,
  arg: string,
  length?: number,
): Float64Array {
  if (
    values === null ||
    typeof values !== 'object' ||
    typeof (values as ArrayLike<number>).length !== 'number'
  ) {
    throw new Error(`${fn}: ${arg} must be an array of numbers, got ${typeof values}`);
  }
  const list = values as ArrayLike<unknown>;
  if (length !== undefined && list.length !== length) {
    throw new Error(`${fn}: ${arg} must have length ${length}, got ${list.length}`);
  }
  const out = new Float64Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new Error(`${fn}: ${arg}[${i}] must be a finite number, got ${String(v)}`);
    }
    out[i] = v;
  }
  return out;
}

/** Same/different labels: booleans or 0/1. */
export function readSame(values: unknown, fn: string, arg: string, length: number): Uint8Array {
  if (
    values === null ||
    typeof values !== 'object' ||
    typeof (values as ArrayLike<unknown>).length !== 'number'
  ) {
    throw new Error(`${fn}: ${arg} must be an array of booleans or 0/1, got ${typeof values}`);
  }
  const list = values as ArrayLike<unknown>;
  if (list.length !== length) {
    throw new Error(`${fn}: ${arg} must have length ${length} (one per score), got ${list.length}`);
  }
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const v = list[i];
    if (v === true || v === 1) out[i] = 1;
    else if (v !== false && v !== 0) {
      throw new Error(`${fn}: ${arg}[${i}] must be a boolean or 0/1, got ${String(v)}`);
    }
  }
  return out;
}

/** Integer labels ≥ 0 (class ids, fold ids). */
export function readIntegers(
  values: unknown,
  fn: string,
  arg: string,
  length?: number,
): Int32Array {
  if (
    values === null ||
    typeof values !== 'object' ||
    typeof (values as ArrayLike<unknown>).length !== 'number'
  ) {
    throw new Error(`${fn}: ${arg} must be an array of integers, got ${typeof values}`);
  }
  const list = values as ArrayLike<unknown>;
  if (length !== undefined && list.length !== length) {
    throw new Error(`${fn}: ${arg} must have length ${length}, got ${list.length}`);
  }
  const out = new Int32Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new Error(`${fn}: ${arg}[${i}] must be an integer >= 0, got ${String(v)}`);
    }
    out[i] = v;
  }
  return out;
}

/** Embeddings as rows of equal length ≥ 1, copied to a row-major Float64Array. */
export function readRows(
  rows: unknown,
  fn: string,
  arg: string,
): { values: Float64Array; count: number; dim: number } {
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new Error(`${fn}: ${arg} must be a non-empty array of embedding rows`);
  }
  const dim = (rows[0] as ArrayLike<number>)?.length;
  if (typeof dim !== 'number' || dim < 1) {
    throw new Error(`${fn}: ${arg}[0] must be a non-empty array of numbers`);
  }
  const values = new Float64Array(rows.length * dim);
  rows.forEach((row: ArrayLike<number>, i) => {
    if (row?.length !== dim) {
      throw new Error(
        `${fn}: ${arg}[${i}] must have length ${dim} like ${arg}[0], got ${row?.length}`,
      );
    }
    for (let d = 0; d < dim; d++) {
      const v = row[d];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new Error(`${fn}: ${arg}[${i}][${d}] must be a finite number, got ${String(v)}`);
      }
      values[i * dim + d] = v;
    }
  });
  return { values, count: rows.length, dim };
}

/** L2-normalises each row of a row-major matrix in place (zero rows stay zero). */
export function normalizeRows(values: Float64Array, dim: number): Float64Array {
  for (let start = 0; start < values.length; start += dim) {
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += values[start + d] ** 2;
    const scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
    for (let d = 0; d < dim; d++) values[start + d] *= scale;
  }
  return values;
}

/** Cosine similarity of row i of `a` and row j of `b` (both normalised, same dim). */
export function rowDot(
  a: Float64Array,
  i: number,
  b: Float64Array,
  j: number,
  dim: number,
): number {
  let s = 0;
  for (let d = 0; d < dim; d++) s += a[i * dim + d] * b[j * dim + d];
  return s;
}
