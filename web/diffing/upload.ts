// multipart/form-data upload with the CSRF token and upload progress (XMLHttpRequest: fetch has no
// upload progress), with the kit's CSRF token (web/ui/api.ts).
import {
  CSRF_HEADER,
  NETWORK_ERROR,
  apiResult,
  csrfToken,
  isCsrfError,
  parseBodyText,
  type ApiResult,
} from '../ui/api.js';

export interface UploadOptions {
  /** Called with the share of the request body sent so far, 0–1. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

function sendOnce<T>(url: string, form: FormData, token: string | null, options: UploadOptions) {
  return new Promise<ApiResult<T>>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.withCredentials = true;
    xhr.setRequestHeader('accept', 'application/json');
    if (token !== null) xhr.setRequestHeader(CSRF_HEADER, token);
    const onAbort = () => xhr.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => options.signal?.removeEventListener('abort', onAbort);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress?.(event.loaded / event.total);
    };
    xhr.onload = () => {
      done();
      resolve(apiResult<T>(xhr.status, parseBodyText(xhr.responseText)));
    };
    xhr.onerror = () => {
      done();
      resolve({ ok: false, status: 0, data: { error: NETWORK_ERROR } });
    };
    xhr.onabort = () => {
      done();
      reject(new DOMException('The upload was cancelled.', 'AbortError'));
    };
    xhr.send(form);
  });
}

/**
 * POSTs `form` and never throws except when aborted (AbortError). A stale CSRF token is refreshed
 * and the request sent once more.
 */
export async function upload<T>(
  url: string,
  form: FormData,
  options: UploadOptions = {},
): Promise<ApiResult<T>> {
  let result = await sendOnce<T>(url, form, await csrfToken(false), options);
  if (!result.ok && result.status === 403 && isCsrfError(result.data)) {
    result = await sendOnce<T>(url, form, await csrfToken(true), options);
  }
  return result;
}
