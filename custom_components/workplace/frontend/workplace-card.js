// Workplace dashboard card: a floor of desks and rooms coloured by status, with check-in and
// check-out buttons, and a panel of doors. Served and registered by the integration itself.
// Plain custom elements (no build step): Home Assistant loads this file as a module.

const STATUS_COLOURS = {
  free: "var(--success-color, #43a047)",
  booked: "var(--warning-color, #ffa600)",
  checked_in: "var(--info-color, #039be5)",
  pending_approval: "var(--disabled-text-color, #9e9e9e)",
};

const escape = (text) =>
  String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// Workplace's entities by kind ("sensor.status", "lock.door"...): registry entry, device and
// state of each. Built once per render: a site can have tens of thousands of entities.
const workplaceEntities = (hass) => {
  const byKind = {};
  for (const entry of Object.values(hass.entities || {})) {
    const state = hass.states[entry.entity_id];
    if (entry.platform !== "workplace" || !state) continue;
    const kind = `${entry.entity_id.split(".")[0]}.${entry.translation_key}`;
    (byKind[kind] ||= []).push({ entry, device: hass.devices?.[entry.device_id], state });
  }
  return byKind;
};

// The devices a device hangs below: level, building, account (or a door's site).
function* ancestors(hass, device) {
  let parent = hass.devices?.[device?.via_device_id];
  for (let depth = 0; parent && depth < 3; depth += 1) {
    yield parent;
    parent = hass.devices?.[parent.via_device_id];
  }
}

// A space or door belongs to a zone when its device hangs below the zone's device.
const inZone = (hass, device, zone) => [...ancestors(hass, device)].some((p) => p.id === zone);

// "Melbourne Office Desk 2.01" below Melbourne Office reads as "Desk 2.01".
const shortName = (hass, item) => {
  const name =
    item.device?.name_by_user || item.device?.name || item.state.attributes.friendly_name;
  const parent = [...ancestors(hass, item.device)].find(
    (p) => p.name && name.startsWith(`${p.name} `),
  );
  return parent ? name.slice(parent.name.length + 1) : name;
};

// Named once per render, then sorted by name ("Desk 2" before "Desk 10").
const byName = (hass, items) =>
  items
    .map((item) => ({ ...item, name: shortName(hass, item) }))
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));

const byDevice = (items = []) => Object.fromEntries(items.map((e) => [e.entry.device_id, e]));

class WorkplaceCard extends HTMLElement {
  static getConfigElement() {
    return document.createElement("workplace-card-editor");
  }

  static getStubConfig() {
    return { title: "Workplace", doors: true };
  }

  setConfig(config) {
    if (!config || typeof config !== "object") throw new Error("Invalid configuration");
    if (config.spaces && !Array.isArray(config.spaces)) {
      throw new Error("spaces must be a list of status sensors");
    }
    this._config = { doors: true, ...config };
    this._render();
  }

  set hass(hass) {
    this._hass = hass;
    this._render();
  }

  getCardSize() {
    if (!this._hass || !this._config) return 3;
    const entities = workplaceEntities(this._hass);
    return 2 + Math.ceil(this._spaces(entities).length / 4) + this._doors(entities).length;
  }

  _spaces(entities) {
    const hass = this._hass;
    const wanted = this._config.spaces;
    const spaces = (entities["sensor.status"] || []).filter((space) =>
      wanted?.length
        ? wanted.includes(space.entry.entity_id)
        : !this._config.zone || inZone(hass, space.device, this._config.zone),
    );
    return byName(hass, spaces);
  }

  _doors(entities) {
    if (!this._config.doors) return [];
    const zone = this._config.zone;
    const doors = (entities["lock.door"] || []).filter(
      (door) => !zone || inZone(this._hass, door.device, zone),
    );
    return byName(this._hass, doors);
  }

  _render() {
    if (!this._config || !this._hass) return;
    if (!this.shadowRoot) this.attachShadow({ mode: "open" });
    const entities = workplaceEntities(this._hass);
    const spaces = this._spaces(entities);
    const doors = this._doors(entities);
    const online = byDevice(entities["binary_sensor.online"]);
    const access = byDevice(entities["event.access"]);
    const html = `
      <style>
        ha-card { padding: 12px; }
        h1 { font-size: 1.2em; font-weight: 500; margin: 0 0 8px; color: var(--primary-text-color); }
        .floor { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 8px; }
        .space { border-radius: 8px; padding: 8px; color: var(--primary-text-color);
                 background: var(--secondary-background-color); border-left: 6px solid; }
        .space .name { font-weight: 500; }
        .space .who, .door .detail { font-size: 0.85em; color: var(--secondary-text-color); }
        button { margin-top: 6px; width: 100%; border: none; border-radius: 6px; padding: 6px;
                 cursor: pointer; background: var(--primary-color); color: var(--text-primary-color, #fff); }
        button:disabled { opacity: 0.6; cursor: progress; }
        .floor + .doors { margin-top: 12px; }
        .doors { display: grid; gap: 4px; }
        .door { display: flex; justify-content: space-between; align-items: center; gap: 8px;
                color: var(--primary-text-color); }
        .empty { color: var(--secondary-text-color); }
      </style>
      <ha-card>
        ${this._config.title ? `<h1>${escape(this._config.title)}</h1>` : ""}
        ${spaces.length ? `<div class="floor">${spaces.map((space) => this._space(space)).join("")}</div>` : ""}
        ${spaces.length || doors.length ? "" : '<div class="empty">No desks, rooms or doors here.</div>'}
        ${doors.length ? `<div class="doors">${doors.map((door) => this._door(door, online, access)).join("")}</div>` : ""}
      </ha-card>`;
    // Home Assistant sets `hass` on every state change anywhere: redraw only when this changed.
    if (html === this._html) return;
    this._html = html;
    this.shadowRoot.innerHTML = html;
    this.shadowRoot.querySelectorAll("button[data-action]").forEach((button) =>
      button.addEventListener("click", () => this._act(button)),
    );
  }

  // One click, one call: the button is disabled until the answer. A refusal is shown by Home
  // Assistant's own notification; the tile changes when the space's state does.
  async _act(button) {
    button.disabled = true;
    try {
      await this._hass.callService("workplace", button.dataset.action, {
        config_entry_id: button.dataset.entry,
        space: button.dataset.entity,
      });
    } catch (err) {
      // Home Assistant has shown why.
    } finally {
      button.disabled = false;
    }
  }

  _space(space) {
    const status = space.state.state;
    const who = space.state.attributes.booked_for;
    const label = this._hass.formatEntityState?.(space.state) ?? status;
    // A room's calendar meeting is not checked in through bookings.
    const meeting = space.state.attributes.booking_type === "meeting";
    const action = meeting ? null : { booked: "check_in", checked_in: "check_out" }[status];
    const text = { check_in: "Check in", check_out: "Check out" }[action];
    return `
      <div class="space" data-entity="${escape(space.entry.entity_id)}" data-status="${escape(status)}"
           style="border-color: ${STATUS_COLOURS[status] || "var(--disabled-text-color)"}">
        <div class="name">${escape(space.name)}</div>
        <div class="who">${escape(label)}${who ? ` · ${escape(who)}` : ""}</div>
        ${action ? `<button data-action="${action}" data-entity="${escape(space.entry.entity_id)}"
                            data-entry="${escape(space.device?.config_entry_id)}">${text}</button>` : ""}
      </div>`;
  }

  _door(door, onlineByDevice, accessByDevice) {
    const hass = this._hass;
    const online = onlineByDevice[door.entry.device_id];
    const access = accessByDevice[door.entry.device_id];
    const last = access && access.state.state !== "unknown" ? new Date(access.state.state) : null;
    const when = !last || Number.isNaN(last.getTime())
      ? "no entry yet"
      : `last entry ${last.toDateString() === new Date().toDateString()
          ? last.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
          : last.toLocaleString([], { dateStyle: "short", timeStyle: "short" })}`;
    return `
      <div class="door" data-entity="${escape(door.entry.entity_id)}" data-state="${escape(door.state.state)}">
        <span>${escape(door.name)}</span>
        <span class="detail">${escape(hass.formatEntityState?.(door.state) ?? door.state.state)}
          · ${online?.state.state === "off" ? "offline" : "online"} · ${escape(when)}</span>
      </div>`;
  }
}

class WorkplaceCardEditor extends HTMLElement {
  setConfig(config) {
    this._config = config;
    this._render();
  }

  set hass(hass) {
    this._hass = hass;
    this._render();
  }

  _render() {
    if (!this._hass || !this._config) return;
    if (!this._form) {
      this._form = document.createElement("ha-form");
      this._form.computeLabel = (field) =>
        ({ title: "Title", zone: "Building, level or SALTO KS site", spaces: "Only these spaces", doors: "Show doors" })[
          field.name
        ];
      this._form.addEventListener("value-changed", (event) => {
        this.dispatchEvent(
          new CustomEvent("config-changed", { detail: { config: event.detail.value } }),
        );
      });
      this.appendChild(this._form);
    }
    this._form.hass = this._hass;
    this._form.data = this._config;
    this._form.schema = [
      { name: "title", selector: { text: {} } },
      { name: "zone", selector: { device: { integration: "workplace" } } },
      {
        name: "spaces",
        selector: { entity: { integration: "workplace", domain: "sensor", multiple: true } },
      },
      { name: "doors", selector: { boolean: {} } },
    ];
  }
}

// Home Assistant's frontend swaps window.customElements for a scoped-registry polyfill as it
// starts, and this module may run first: an element defined in the browser's own registry then
// is invisible to dashboards ("Custom element doesn't exist", in about a third of page loads).
// So define once Home Assistant's app is, in whichever registry is current by then.
customElements.whenDefined("home-assistant").then(() => {
  for (const [tag, element] of [
    ["workplace-card", WorkplaceCard],
    ["workplace-card-editor", WorkplaceCardEditor],
  ]) {
    if (!window.customElements.get(tag)) window.customElements.define(tag, element);
  }
});
window.customCards = window.customCards || [];
window.customCards.push({
  type: "workplace-card",
  name: "Workplace",
  description: "Desks and rooms by status with check-in buttons, and the doors.",
  preview: true,
});
