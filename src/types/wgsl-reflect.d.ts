// wgsl_reflect's Node entry is CommonJS inside an ES module package, so we import its ES module
// build directly; this gives that path the package's own types.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect/types/index.js';
}
