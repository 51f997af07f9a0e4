// The visualization methods (../shared/methods.md): one folder each, shared pieces in common/.

export * from './deconvnet/index.ts';
export { receptiveField, fieldGeometry, type ReceptiveField, type FieldGeometry, type Region, type GraphShapes } from './common/receptive-field.ts';
export { topActivations, type TopActivations, type TopActivationsOptions, type TopHit } from './common/top-activations.ts';
export * from './dissection/index.ts';
export { writeReport as writeDissectionReport, reportHtml as dissectionReportHtml, tallyCsv } from './dissection/report.ts';
export * from './inversion/index.ts';
export * from './activation-maximization/index.ts';
