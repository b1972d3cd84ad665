// The parts of Uppy that static/js/uploader.js uses, bundled by scripts/build_uppy.sh into one
// script that defines window.Uppy (no module loader, no CDN: the page's CSP allows 'self' only).
export { default as Uppy } from "@uppy/core";
export { default as Dashboard } from "@uppy/dashboard";
export { default as AwsS3 } from "@uppy/aws-s3";
export { default as GoldenRetriever } from "@uppy/golden-retriever";
// Uppy's own texts in the site's other language (uploader.js picks it from <html lang>).
export { default as zh_CN } from "@uppy/locales/lib/zh_CN.js";
