// Where the uptime system's files live in the artifact store (all under its own prefix, "uptime/").

const PREFIX = 'uptime';

/** Everything of one report, removed with it. */
export const reportArtifactsKey = (reportId: string) => `${PREFIX}/reports/${reportId}`;
/** A report's CSV. */
export const reportCsvKey = (reportId: string) => `${reportArtifactsKey(reportId)}/report.csv`;
/** Uploads being imported (a writer's scratch file, dropped once imported, never committed). */
export const uploadKey = (uploadId: string, field: string) => `${PREFIX}/uploads/${uploadId}/${field}.csv`;
