// The grid as pages show it: element kinds, which elements an asset of a voltage level may
// connect to, transformers, and the DSO names of the public directory.
import { api } from "./api.js";
import { choiceLabel } from "./dom.js";

export const TRANSFORMER_KINDS = ["hv_mv_substation", "mv_lv_substation"];
/** Grid element kinds a connection at `voltage` V may use (the API's rule, seed table 4). */
export const CONNECTION_KINDS = (voltage) => (Number(voltage) === 400 ? ["lv_feeder", "mv_lv_substation"] : ["mv_feeder", "hv_mv_substation"]);
/** The kind a parent must have for each kind (null: a root). */
export const PARENT_KIND = { hv_mv_substation: null, mv_feeder: "hv_mv_substation", mv_lv_substation: "mv_feeder", lv_feeder: "mv_lv_substation" };

export const kindLabel = (kind) => choiceLabel("element_kinds", kind);
export const elementLabel = (e) => `${e.code} ${e.name} (${kindLabel(e.kind)})`;

/** Every grid element the viewer may read. */
export const loadElements = () => api.all("/grid/elements");

/** {dso participant id: name} of the approved DSOs (public directory). */
export async function dsoNames() {
  const dsos = await api.all("/participants", { role: "dso" });
  return new Map(dsos.map((p) => [p.id, p.entity_name]));
}

/** {element id: state} of every element whose light was ever set (others are green). */
export async function currentLights() {
  const lights = await api.all("/grid/traffic-lights");
  return new Map(lights.map((l) => [l.grid_element_id, l]));
}
