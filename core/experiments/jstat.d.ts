// The part of jstat (https://github.com/jstat/jstat, no bundled types) that core/experiments uses.
// jstat is a CommonJS/UMD module: Node's ESM import sees its module.exports as the default export.
declare module 'jstat' {
  const jstat: {
    studentt: {
      /** Quantile (inverse CDF) of Student's t distribution with `dof` degrees of freedom at probability `p`. */
      inv(p: number, dof: number): number;
    };
  };
  export default jstat;
}
