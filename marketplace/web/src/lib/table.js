// A data table with column choice and filters (seed figs. 38-39), accessible by keyboard:
//
//   const table = new DataTable(container, {
//     id: "transactions",                      // remembers the column choice (localStorage)
//     caption: "Transactions of this session",
//     columns: [
//       { key: "label", label: "Action", filter: "text" },
//       { key: "status", label: "Status", filter: "select" },
//       { key: "hash", label: "Hash", hidden: true, render: (row) => codeElement(row.hash) },
//     ],
//     rowKey: (row) => row.id,
//   });
//   table.setRows(rows);                      // re-renders, keeps filters
//
// Each column may have `format(value, row)` (text) or `render(row)` (a Node), `filter`
// ("text": contains, case-insensitive; "select": one of the values present), `hidden`
// (hidden by default) and `filterValue(row)` (what filters compare; default the value).

let tableCount = 0;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

export class DataTable {
  constructor(container, { id, caption, columns, rowKey = (row, i) => i, emptyText = "Nothing to show yet." }) {
    this.container = container;
    this.id = id ?? `table-${++tableCount}`;
    this.caption = caption;
    this.columns = columns;
    this.rowKey = rowKey;
    this.emptyText = emptyText;
    this.rows = [];
    this.filters = {};
    this.visible = this._loadVisible();
    this._build();
  }

  _storageKey() {
    return `flexmarket.table.${this.id}.columns`;
  }

  _loadVisible() {
    const defaults = Object.fromEntries(this.columns.map((c) => [c.key, !c.hidden]));
    try {
      const saved = JSON.parse(localStorage.getItem(this._storageKey()) ?? "null");
      if (saved && typeof saved === "object") {
        for (const key of Object.keys(defaults)) if (typeof saved[key] === "boolean") defaults[key] = saved[key];
      }
    } catch {
      // storage unavailable or unreadable: the defaults stand
    }
    return defaults;
  }

  _saveVisible() {
    try {
      localStorage.setItem(this._storageKey(), JSON.stringify(this.visible));
    } catch {
      // storage unavailable: the choice lasts for this page only
    }
  }

  _build() {
    const prefix = this.id;
    this.root = el("div", { class: "data-table", id: `${prefix}-root` });

    // Column choice.
    const chooser = el("fieldset", { class: "column-chooser" }, el("legend", { text: "Columns shown" }));
    for (const column of this.columns) {
      const inputId = `${prefix}-col-${column.key}`;
      const box = el("input", { type: "checkbox", id: inputId, name: "columns", value: column.key });
      box.checked = this.visible[column.key];
      box.addEventListener("change", () => {
        this.visible[column.key] = box.checked;
        this._saveVisible();
        this.render();
      });
      chooser.append(el("span", { class: "choice" }, box, el("label", { for: inputId, text: column.label })));
    }
    const details = el("details", { class: "table-options" }, el("summary", { text: `Columns and filters: ${this.caption}` }), chooser);

    // Filters.
    const filterable = this.columns.filter((c) => c.filter);
    if (filterable.length) {
      const filters = el("fieldset", { class: "table-filters" }, el("legend", { text: "Filters" }));
      this.filterInputs = {};
      for (const column of filterable) {
        const inputId = `${prefix}-filter-${column.key}`;
        let input;
        if (column.filter === "select") {
          input = el("select", { id: inputId, name: `filter-${column.key}` });
        } else {
          input = el("input", { id: inputId, name: `filter-${column.key}`, type: "search", autocomplete: "off" });
        }
        input.addEventListener(column.filter === "select" ? "change" : "input", () => {
          this.filters[column.key] = input.value;
          this.render();
        });
        this.filterInputs[column.key] = input;
        filters.append(el("span", { class: "filter" }, el("label", { for: inputId, text: `${column.label} ${column.filter === "select" ? "is" : "contains"}` }), input));
      }
      const clear = el("button", { type: "button", text: "Clear filters" });
      clear.addEventListener("click", () => {
        this.filters = {};
        for (const input of Object.values(this.filterInputs)) input.value = "";
        this.render();
      });
      filters.append(clear);
      details.append(filters);
    }

    this.count = el("p", { class: "table-count", id: `${prefix}-count`, "aria-live": "polite" });
    this.table = el("table", { id: prefix, "aria-describedby": `${prefix}-count` });
    this.scroller = el("div", { class: "table-scroll" }, this.table);
    this.root.append(details, this.count, this.scroller);
    if (typeof ResizeObserver === "function") {
      const watch = new ResizeObserver(() => this._updateScroller());
      watch.observe(this.scroller);
      watch.observe(this.table);
    }
    this.container.replaceChildren(this.root);
    this.render();
  }

  _value(column, row) {
    return column.filterValue ? column.filterValue(row) : row[column.key];
  }

  _text(column, row) {
    const value = row[column.key];
    if (column.format) return column.format(value, row);
    return value === null || value === undefined ? "" : String(value);
  }

  setRows(rows) {
    this.rows = rows;
    this.render();
  }

  /** Rows that pass every filter. */
  filtered() {
    return this.rows.filter((row) =>
      this.columns.every((column) => {
        const wanted = this.filters[column.key];
        if (!column.filter || !wanted) return true;
        const value = String(this._value(column, row) ?? "");
        return column.filter === "select" ? value === wanted : value.toLowerCase().includes(wanted.toLowerCase());
      }),
    );
  }

  _refreshSelectOptions() {
    for (const column of this.columns.filter((c) => c.filter === "select")) {
      const select = this.filterInputs[column.key];
      const current = this.filters[column.key] ?? "";
      const values = [...new Set(this.rows.map((row) => String(this._value(column, row) ?? "")))].sort();
      select.replaceChildren(el("option", { value: "", text: "any" }), ...values.map((v) => el("option", { value: v, text: v })));
      select.value = values.includes(current) ? current : "";
    }
  }

  // A table wider than the page scrolls sideways: keyboard users reach the scrolling area (a
  // named region with a tab stop) and scroll it with the arrow keys.
  _updateScroller() {
    const s = this.scroller;
    if (!s) return;
    if (s.scrollWidth > s.clientWidth + 1) {
      s.tabIndex = 0;
      s.setAttribute("role", "region");
      s.setAttribute("aria-label", `${this.caption} (scrolls sideways)`);
    } else {
      s.removeAttribute("tabindex");
      s.removeAttribute("role");
      s.removeAttribute("aria-label");
    }
  }

  render() {
    if (this.filterInputs) this._refreshSelectOptions();
    const shown = this.columns.filter((c) => this.visible[c.key]);
    const rows = this.filtered();
    const head = el("thead", {}, el("tr", {}, ...shown.map((c) => el("th", { scope: "col", "data-key": c.key, text: c.label }))));
    const body = el("tbody");
    for (const [i, row] of rows.entries()) {
      const tr = el("tr", { "data-row-key": String(this.rowKey(row, i)) });
      for (const column of shown) {
        const cell = el("td", { "data-key": column.key });
        if (column.render) cell.append(column.render(row));
        else cell.textContent = this._text(column, row);
        tr.append(cell);
      }
      body.append(tr);
    }
    if (!rows.length) {
      body.append(el("tr", { class: "empty" }, el("td", { colspan: String(Math.max(shown.length, 1)), text: this.rows.length ? "No row matches the filters." : this.emptyText })));
    }
    this.table.replaceChildren(el("caption", { text: this.caption }), head, body);
    this.count.textContent = `${rows.length} of ${this.rows.length} rows shown.`;
    this._updateScroller();
  }
}
