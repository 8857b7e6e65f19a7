// Where the uptime system's files live in the artifact store (all under its own prefix, "uptime/").

const PREFIX = 'uptime';

/** Everything of one report, removed with it. */
export const reportArtifactsKey = (reportId: string) => `${PREFIX}/reports/${reportId}`;
/** A report's CSV. */
export const reportCsvKey = (reportId: string) => `${reportArtifactsKey(reportId)}/report.csv`;
/** Uploads being imported (removed once imported). */
export const uploadKey = (uploadId: string, field: string) => `${PREFIX}/uploads/${uploadId}/${field}.csv`;
export const uploadArtifactsKey = (uploadId: string) => `${PREFIX}/uploads/${uploadId}`;
