// Registration documents (seed table 1): .pdf or .xml of at most config.documents.maxBytes,
// checked in the page before anything is sent, then uploaded one by one (multipart).
import { api } from "./api.js";

export const DOCUMENT_LABELS = {
  confidentiality_commitment: "Confidentiality commitment",
  non_collusion_commitment: "Non-collusion commitment",
  power_of_attorney: "Power of attorney",
};

const MB = 1024 * 1024; // the seed's "10 MB" limit is 10 × 1,048,576 bytes

/** "2.5 MB" / "812 kB" / "120 bytes" (binary units, as the size limit is written). */
export function formatBytes(bytes) {
  if (bytes >= MB) return `${(bytes / MB).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} kB`;
  return `${bytes} bytes`;
}

/** Why `file` cannot be a registration document, or null when it can. */
export function documentProblem(config, file) {
  const { maxBytes, extensions } = config.documents;
  const name = file.name ?? "";
  const dot = name.lastIndexOf(".");
  const extension = dot >= 0 ? name.slice(dot).toLowerCase() : "";
  if (!extensions.includes(extension)) {
    return `“${name}” is not a ${extensions.join(" or ")} file; documents must be PDF or XML.`;
  }
  if (file.size > maxBytes) {
    return `“${name}” is ${file.size.toLocaleString("en-GB")} bytes; documents may be at most ${maxBytes / MB} MB (${maxBytes.toLocaleString("en-GB")} bytes).`;
  }
  if (file.size === 0) return `“${name}” is empty.`;
  return null;
}

/** Upload one document; the API's DocumentOut. */
export function uploadDocument(participantId, kind, file) {
  const form = new FormData();
  form.append("kind", kind);
  form.append("file", file, file.name);
  return api.post(`/participants/${participantId}/documents`, { form });
}
