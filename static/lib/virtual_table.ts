/**
 * A virtualised table: only the rows in view (plus a small overscan) exist in
 * the DOM, recycled from a pool and updated through `textContent`, so 10,000+
 * rows scroll smoothly. Rows are fetched lazily through `getRow`/`onNeed`.
 *
 * @module
 */

/** One column. `text` must return plain text; `cls` an extra class. */
export interface Column<R> {
  key: string;
  label: string;
  /** A CSS grid track, e.g. `90px` or `minmax(8rem,1fr)`. */
  width: string;
  text(row: R): string;
  cls?(row: R): string;
  title?(row: R): string;
  sortable?: boolean;
}

/** Options for {@link VirtualTable}. */
export interface VirtualTableOptions<R> {
  columns: Column<R>[];
  rowHeight?: number;
  minWidth?: number;
  getRow(i: number): R | undefined;
  /** Called with the visible range when some rows in it are missing. */
  onNeed?(start: number, end: number): void;
  onSelect?(i: number, row: R): void;
  isSelected?(row: R): boolean;
  onSort?(key: string): void;
  sortKey?: string;
  sortDesc?: boolean;
  emptyText?: string;
}

/** The virtualised table widget. */
export class VirtualTable<R> {
  readonly el: HTMLElement;
  #o: VirtualTableOptions<R>;
  #rh: number;
  #count = 0;
  #head: HTMLElement;
  #canvas: HTMLElement;
  #layer: HTMLElement;
  #emptyEl: HTMLElement;
  #pool: HTMLElement[] = [];
  #raf = 0;
  #start = 0;

  /** Builds the table into `host`. */
  constructor(host: HTMLElement, opts: VirtualTableOptions<R>) {
    this.#o = opts;
    this.#rh = opts.rowHeight ?? 26;
    this.el = document.createElement("div");
    this.el.className = "vt";
    this.el.tabIndex = 0;
    this.el.style.setProperty("--vt-cols", opts.columns.map((c) => c.width).join(" "));
    this.el.style.setProperty("--vt-rh", this.#rh + "px");
    this.#head = document.createElement("div");
    this.#head.className = "vt-head vt-grid";
    this.#canvas = document.createElement("div");
    this.#canvas.className = "vt-canvas";
    this.#layer = document.createElement("div");
    this.#layer.className = "vt-layer";
    this.#emptyEl = document.createElement("div");
    this.#emptyEl.className = "state state-empty";
    this.#emptyEl.textContent = opts.emptyText ?? "No rows";
    if (opts.minWidth) {
      this.#head.style.minWidth = opts.minWidth + "px";
      this.#canvas.style.minWidth = opts.minWidth + "px";
    }
    this.#canvas.appendChild(this.#layer);
    this.el.append(this.#head, this.#canvas, this.#emptyEl);
    this.#renderHead();
    this.el.addEventListener("scroll", () => this.schedule(), { passive: true });
    this.#layer.addEventListener("click", (ev) => {
      const row = (ev.target as HTMLElement).closest<HTMLElement>(".vt-row");
      if (!row) return;
      const i = Number(row.dataset.i);
      const r = this.#o.getRow(i);
      if (r !== undefined) this.#o.onSelect?.(i, r);
    });
    new ResizeObserver(() => this.schedule()).observe(this.el);
    host.appendChild(this.el);
  }

  #renderHead(): void {
    this.#head.replaceChildren();
    for (const c of this.#o.columns) {
      const d = document.createElement(c.sortable ? "button" : "div");
      d.className = "vt-th";
      let label = c.label;
      if (c.sortable && this.#o.sortKey === c.key) label += this.#o.sortDesc ? " ▼" : " ▲";
      d.textContent = label;
      if (c.sortable) d.addEventListener("click", () => this.#o.onSort?.(c.key));
      this.#head.appendChild(d);
    }
  }

  /** Updates the sort indicator. */
  setSort(key: string, desc: boolean): void {
    this.#o.sortKey = key;
    this.#o.sortDesc = desc;
    this.#renderHead();
  }

  /** Sets the number of rows and re-renders. */
  setCount(n: number): void {
    this.#count = n;
    this.#canvas.style.height = n * this.#rh + "px";
    this.#emptyEl.hidden = n > 0;
    this.schedule();
  }

  /** Row count. */
  get count(): number {
    return this.#count;
  }

  /** Sets the empty-state text. */
  setEmptyText(s: string): void {
    this.#emptyEl.textContent = s;
  }

  /** Re-renders on the next animation frame. */
  schedule(): void {
    if (this.#raf) return;
    this.#raf = requestAnimationFrame(() => {
      this.#raf = 0;
      this.render();
    });
  }

  /** Scrolls so that row `i` is visible. */
  scrollToRow(i: number): void {
    const top = i * this.#rh;
    const vh = this.el.clientHeight - this.#head.offsetHeight;
    if (top < this.el.scrollTop) this.el.scrollTop = top;
    else if (top + this.#rh > this.el.scrollTop + vh) this.el.scrollTop = top + this.#rh - vh;
  }

  /** Synchronously renders the visible window. */
  render(): void {
    const rh = this.#rh;
    const over = 8;
    const vh = Math.max(this.el.clientHeight, rh * 10);
    const first = Math.floor(this.el.scrollTop / rh);
    const start = Math.max(0, first - over);
    const end = Math.min(this.#count, first + Math.ceil(vh / rh) + over);
    const n = Math.max(0, end - start);
    while (this.#pool.length < n) this.#pool.push(this.#makeRow());
    for (let k = 0; k < this.#pool.length; k++) {
      const rowEl = this.#pool[k];
      if (k >= n) {
        if (rowEl.parentNode) rowEl.remove();
        continue;
      }
      if (!rowEl.parentNode) this.#layer.appendChild(rowEl);
      this.#fill(rowEl, start + k);
    }
    this.#start = start;
    this.#layer.style.transform = `translateY(${start * rh}px)`;
    let missing = false;
    for (let i = start; i < end && !missing; i++) missing = this.#o.getRow(i) === undefined;
    if (missing) this.#o.onNeed?.(start, end);
  }

  /** Index of the first rendered row. */
  get firstRendered(): number {
    return this.#start;
  }

  #makeRow(): HTMLElement {
    const row = document.createElement("div");
    row.className = "vt-row vt-grid";
    for (let c = 0; c < this.#o.columns.length; c++) {
      const cell = document.createElement("div");
      row.appendChild(cell);
    }
    return row;
  }

  #fill(rowEl: HTMLElement, i: number): void {
    const r = this.#o.getRow(i);
    rowEl.dataset.i = String(i);
    const cols = this.#o.columns;
    const cells = rowEl.children;
    if (r === undefined) {
      rowEl.className = "vt-row vt-grid vt-pending";
      for (let c = 0; c < cols.length; c++) {
        (cells[c] as HTMLElement).textContent = c === 0 ? "…" : "";
        (cells[c] as HTMLElement).className = "vt-td";
      }
      return;
    }
    const sel = this.#o.isSelected?.(r) ? " vt-sel" : "";
    rowEl.className = "vt-row vt-grid" + (i % 2 ? " vt-odd" : "") + sel;
    for (let c = 0; c < cols.length; c++) {
      const cell = cells[c] as HTMLElement;
      const col = cols[c];
      const t = col.text(r);
      if (cell.textContent !== t) cell.textContent = t;
      const cls = "vt-td" + (col.cls ? " " + col.cls(r) : "");
      if (cell.className !== cls) cell.className = cls;
      if (col.title) cell.title = col.title(r);
    }
  }
}
