// A flexibility request drafted elsewhere (the transformers page's forecast chart): which grid
// element and which time range, carried to the request form as query parameters
//   /requests/new?element=<grid element id>&start=<Unix s>&end=<Unix s>
// Times are Unix seconds UTC on 15-minute boundaries, `end` exclusive.

export const INTERVAL_S = 900;

/** The request form's URL for a draft (`formPath` is the form's path, e.g. "/requests/new"). */
export function requestDraftUrl(formPath, { element, start, end }) {
  const params = new URLSearchParams({ element: String(element), start: String(start), end: String(end) });
  return `${formPath}?${params}`;
}

/** The draft in a query string (location.search), or null when it has none; throws RangeError
 * with a readable message when it is malformed. */
export function readRequestDraft(search = globalThis.location?.search ?? "") {
  const params = new URLSearchParams(search);
  if (!params.has("element") && !params.has("start") && !params.has("end")) return null;
  const whole = (name) => {
    const text = params.get(name) ?? "";
    if (!/^\d+$/.test(text)) throw new RangeError(`The link's ${name} “${text}” is not a whole number.`);
    return Number(text);
  };
  const draft = { element: whole("element"), start: whole("start"), end: whole("end") };
  if (draft.start % INTERVAL_S || draft.end % INTERVAL_S) throw new RangeError("The link's time range is not on 15-minute boundaries.");
  if (draft.end <= draft.start) throw new RangeError("The link's time range ends before it starts.");
  return draft;
}
