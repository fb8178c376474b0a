/**
 * `#/channels`: decrypted messages per channel as a chat log, and
 * undecrypted traffic counted per channel hash. New messages arrive live.
 *
 * @module
 */

import { getJson, qs } from "../lib/api.ts";
import { empty, errorBox, h, link, loading, replace } from "../lib/dom.ts";
import { ago, dateTime, int, parseJson } from "../lib/format.ts";
import { buildHash, queryObject, type RouteCtx } from "../lib/router.ts";
import { onFrame } from "../lib/ws.ts";

interface Channel {
  hash: string;
  name?: string | null;
  lastMessage?: string | null;
  lastSender?: string | null;
  messageCount?: number;
  lastActivity?: string | null;
  encrypted?: boolean;
}

interface Message {
  sender?: string | null;
  text?: string | null;
  timestamp?: string;
  packetHash?: string;
  repeats?: number;
  hops?: number;
  snr?: number | null;
  observers?: unknown[];
}

function msgEl(m: Message): HTMLElement {
  let sender = m.sender ?? "";
  let text = m.text ?? "";
  if (sender && text.startsWith(sender + ": ")) text = text.slice(sender.length + 2);
  if (!sender) {
    const i = text.indexOf(": ");
    if (i > 0 && i < 40) [sender, text] = [text.slice(0, i), text.slice(i + 2)];
  }
  return h(
    "div",
    { class: "msg" },
    h("span", { class: "when", title: dateTime(m.timestamp) }, dateTime(m.timestamp).slice(5, 16)),
    h("span", { class: "who" }, sender || "?"),
    h("span", { class: "txt" }, text),
    h(
      "span",
      { class: "mut" },
      m.repeats ? h("span", { class: "badge" }, `×${m.repeats}`) : null,
      typeof m.hops === "number" ? h("span", { class: "badge" }, `${m.hops} hops`) : null,
      m.packetHash
        ? [" ", link(`#/packets?sel=${encodeURIComponent(m.packetHash)}`, "packet")]
        : null,
    ),
  );
}

/** Mounts the channels page. */
export function channelsPage(el: HTMLElement, ctx: RouteCtx) {
  el.classList.add("page-full");
  let q = queryObject(ctx.query);
  const list = h("div", { class: "chan-list" }, loading("Loading channels"));
  const chat = h("div", { class: "chat" });
  el.append(h("div", { class: "chan" }, list, chat));
  let channels: Channel[] = [];
  let ctl = new AbortController();
  let current: Channel | undefined;
  const seen = new Set<string>();

  function renderList() {
    const dec = channels.filter((c) => !c.encrypted);
    const enc = channels.filter((c) => c.encrypted);
    replace(
      list,
      h("div", { class: "pad" }, h("h3", null, `Channels (${dec.length})`)),
      dec.length ? null : empty("No decrypted channel traffic."),
      dec.map((c) =>
        h(
          "a",
          { href: buildHash("/channels", { ch: c.hash }), class: c.hash === q.ch ? "on" : "" },
          h("b", null, c.name || c.hash),
          h("span", { class: "badge" }, int(c.messageCount)),
          h(
            "span",
            { class: "sub" },
            c.lastSender && !(c.lastMessage ?? "").startsWith(`${c.lastSender}: `)
              ? `${c.lastSender}: `
              : "",
            c.lastMessage ?? "",
            " · ",
            ago(c.lastActivity),
          ),
        )
      ),
      h("div", { class: "pad" }, h("h3", null, `Undecrypted (${enc.length} hashes)`)),
      enc.map((c) =>
        h(
          "div",
          { class: "pad enc" },
          h("code", null, c.hash),
          " ",
          h("span", { class: "badge" }, `${int(c.messageCount)} packets`),
          h("span", { class: "sub" }, ago(c.lastActivity)),
        )
      ),
    );
  }

  async function loadChat() {
    ctl.abort();
    ctl = new AbortController();
    current = channels.find((c) => c.hash === q.ch) ?? channels.find((c) => !c.encrypted);
    if (!current) return replace(chat, empty("Pick a channel."));
    replace(chat, loading("Loading messages"));
    try {
      const r = await getJson<{ messages: Message[]; total: number }>(
        `/api/channels/${encodeURIComponent(current.hash)}/messages` + qs({ limit: 200 }),
        ctl.signal,
      );
      const msgs = (r.messages ?? []).slice().sort((a, b) =>
        String(a.timestamp).localeCompare(String(b.timestamp))
      );
      replace(
        chat,
        h(
          "h2",
          null,
          current.name || current.hash,
          h("span", { class: "badge" }, `${int(r.total)} messages`),
        ),
        msgs.length ? msgs.map(msgEl) : empty("No messages."),
      );
      chat.scrollTop = chat.scrollHeight;
    } catch (e) {
      if ((e as Error).name !== "AbortError") replace(chat, errorBox(e));
    }
  }

  getJson<{ channels: Channel[] }>("/api/channels" + qs({ includeEncrypted: true })).then((r) => {
    channels = (r.channels ?? []).slice().sort((a, b) =>
      String(b.lastActivity ?? "").localeCompare(String(a.lastActivity ?? ""))
    );
    renderList();
    loadChat();
  }, (e) => replace(list, errorBox(e)));

  const off = onFrame((f) => {
    const d = parseJson<Record<string, unknown>>(
      f.decoded_json ?? (f.packet?.decoded_json as string),
      {},
    );
    if (d.type !== "CHAN" || !current || typeof d.text !== "string") return;
    if (d.channel !== current.name && d.channel !== current.hash) return;
    if (seen.has(f.hash)) return;
    seen.add(f.hash);
    const stick = chat.scrollTop + chat.clientHeight >= chat.scrollHeight - 30;
    chat.appendChild(msgEl({
      sender: typeof d.sender === "string" ? d.sender : null,
      text: d.text,
      timestamp: f.timestamp ?? new Date().toISOString(),
      packetHash: f.hash,
    }));
    if (stick) chat.scrollTop = chat.scrollHeight;
  });

  return {
    update(c: RouteCtx) {
      q = queryObject(c.query);
      renderList();
      loadChat();
    },
    destroy() {
      ctl.abort();
      off();
    },
  };
}
