// convanim's explorer: every flag a control, the exact picture convanim draws, and a player.
//
// One ES module, no build step, nothing fetched from elsewhere. It holds no arithmetic:
// each picture, formula and refusal comes from convanim's Python side, through a model
// with anywidget's interface (get, set, save_changes, on). In a notebook that model is the
// widget's; in a page it is `PageModel`, which asks the local server (`fetchShown`) or
// looks the state up in the answers a static page carries (`tableShown`).
//
// The animated SVG is inlined as convanim wrote it; the player pauses and seeks its CSS
// animations (a frame lasts `duration` ms of their clock), so the file stays the same one
// that can be embedded anywhere.

const SPEEDS = [0.25, 0.5, 1, 2, 4]; // playback rates the speed control offers
const REDUCED_MOTION = "(prefers-reduced-motion: reduce)";
// The SVG's own still for readers who ask for less motion; the player lifts it on play.
const STILL_RULE = "@media (prefers-reduced-motion:reduce)";
const NO_MEDIA = "@media not all";
// Groups of controls shown closed until one of their values is set.
const CLOSED_GROUPS = ["numbers", "pooling"];

const isSet = (value) => value === true || (typeof value === "string" && value.trim() !== "");

// --- the state as a query -------------------------------------------------------------

// Python's quote_plus: what convanim's State.query writes, byte for byte.
function quotePlus(text) {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, "+");
}

/** The query of a state: net=1 first for a network, then each set control in order. */
export function stateQuery(controls, state) {
  const pairs = state.net ? [["net", "1"]] : [];
  for (const control of controls[state.net ? "net" : "gif"]) {
    const value = state.values[control.key];
    if (control.kind === "switch") {
      if (value === true || value === "1") pairs.push([control.key, "1"]);
    } else if (value !== undefined && value !== null && String(value).trim() !== "") {
      pairs.push([control.key, String(value).trim()]);
    }
  }
  return pairs.map(([k, v]) => `${quotePlus(k)}=${quotePlus(v)}`).join("&");
}

/** The state a query (or a hash) describes; unknown keys are kept, for the server to refuse. */
export function readQuery(text) {
  const params = new URLSearchParams(text.replace(/^[?#]/, ""));
  const values = {};
  let net = false;
  for (const [key, value] of params) {
    if (key === "net") net = value === "1" || value === "true";
    else values[key] = value;
  }
  return { net, values };
}

// --- where answers come from ----------------------------------------------------------

/** Answers from the local server: GET view.json?<query>. */
export function fetchShown(base = "") {
  return async (query) => {
    const response = await fetch(`${base}view.json?${query}`);
    return response.json();
  };
}

/** Answers a static page carries, by query; a state it lacks is said as a refusal. */
export function tableShown(table) {
  return async (query) =>
    table[query] ?? {
      error: "this page holds no picture of these values: choose among the listed ones",
      key: "",
      query,
    };
}

/** anywidget's model interface over a state held in the page and an answering function. */
export class PageModel {
  constructor(controls, state, answer) {
    this.data = { controls, net: state.net, shown: {}, ...traits(controls, state.values) };
    this.answer = answer;
    this.listeners = {};
    this.asked = 0; // answers to older questions than the last are dropped
  }
  get(name) {
    return this.data[name];
  }
  set(name, value) {
    this.data[name] = value;
  }
  on(event, callback) {
    (this.listeners[event] ??= []).push(callback);
  }
  off(event, callback) {
    this.listeners[event] = (this.listeners[event] ?? []).filter((c) => c !== callback);
  }
  emit(event) {
    for (const callback of this.listeners[event] ?? []) callback();
  }
  state() {
    return { net: Boolean(this.data.net), values: untraits(this.data.controls, this.data) };
  }
  async save_changes() {
    const asked = ++this.asked;
    const query = stateQuery(this.data.controls, this.state());
    let shown;
    try {
      shown = await this.answer(query);
    } catch (error) {
      shown = { error: `the explorer's server did not answer (${error.message})`, key: "", query };
    }
    if (asked !== this.asked) return;
    this.data.shown = shown;
    this.emit("change:shown");
  }
}

function allControls(controls) {
  const seen = new Map();
  for (const control of [...controls.gif, ...controls.net]) seen.set(control.key, control);
  return [...seen.values()];
}

const traitName = (key) => key.replaceAll("-", "_");

function traits(controls, values) {
  const out = {};
  for (const control of allControls(controls)) {
    const value = values[control.key];
    out[traitName(control.key)] =
      control.kind === "switch" ? value === true || value === "1" : (value ?? "");
  }
  return out;
}

function untraits(controls, data) {
  const values = {};
  for (const control of allControls(controls)) values[control.key] = data[traitName(control.key)];
  return values;
}

// --- the page -------------------------------------------------------------------------

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === undefined || value === null) continue;
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children);
  return node;
}

/** Render the explorer into `el` (anywidget's entry point); returns the clean-up. */
export function render({ model, el }) {
  const controls = model.get("controls");
  const fixed = model.get("fixed") ?? {}; // a static page's controls it holds still
  const root = element("div", { class: "convanim-explorer" });
  el.replaceChildren(root);
  const uid = `cx${Math.random().toString(36).slice(2, 8)}`;

  // The controls: a layer's or a network's, switched by the mode.
  const form = element("form", { class: "cx-controls", "aria-label": "layer" });
  form.addEventListener("submit", (event) => event.preventDefault());
  // A static page draws one command's states: it shows no mode to switch.
  const modeSwitch = element("fieldset", { class: "cx-mode", hidden: "net" in fixed });
  modeSwitch.append(element("legend", { text: "draw" }));
  const modes = {};
  for (const [value, label] of [
    [false, "a layer"],
    [true, "a network"],
  ]) {
    const id = `${uid}-mode-${value}`;
    const radio = element("input", { type: "radio", name: `${uid}-mode`, id, value: String(value) });
    radio.checked = Boolean(model.get("net")) === value;
    radio.disabled = "net" in fixed;
    radio.addEventListener("change", () => {
      if (!radio.checked) return;
      model.set("net", value);
      for (const shared of ["view", "preset"]) model.set(shared, ""); // each command's own
      if (value && !isSet(model.get("layers"))) model.set("preset", controls.first_network);
      build();
      model.save_changes();
    });
    modes[value] = radio;
    modeSwitch.append(element("label", { for: id }, radio, ` ${label}`));
  }
  const fields = element("div", { class: "cx-fields" });
  form.append(modeSwitch, fields);
  const inputs = {}; // key -> input
  const notes = {}; // key -> its error line

  function build() {
    fields.replaceChildren();
    for (const key of Object.keys(inputs)) delete inputs[key];
    for (const key of Object.keys(notes)) delete notes[key];
    const net = Boolean(model.get("net"));
    const groups = {}; // group name -> its <details>, in the controls' order
    for (const control of controls[net ? "net" : "gif"]) {
      if (!(control.group in groups)) {
        const given = controls[net ? "net" : "gif"].some(
          (other) => other.group === control.group && isSet(model.get(traitName(other.key))),
        );
        const group = element("details", {
          class: "cx-group",
          open: !CLOSED_GROUPS.includes(control.group) || given,
        });
        group.append(element("summary", { text: control.group }));
        groups[control.group] = group;
        fields.append(group);
      }
      const id = `${uid}-${control.key}`;
      const trait = traitName(control.key);
      const value = model.get(trait);
      let input;
      if (control.kind === "switch") {
        input = element("input", { type: "checkbox", id, name: control.key });
        input.checked = Boolean(value);
      } else if (control.kind === "choice") {
        input = element("select", { id, name: control.key });
        for (const choice of control.choices) {
          input.append(element("option", { value: choice, text: choice === "" ? "default" : choice }));
        }
        input.value = value ?? "";
      } else {
        input = element("input", {
          type: "text",
          id,
          name: control.key,
          spellcheck: "false",
          autocomplete: "off",
        });
        input.value = value ?? "";
        input.placeholder = control.default ?? "";
        input.addEventListener("keydown", (event) => nudge(event, input));
      }
      const help = element("span", { class: "cx-help", id: `${id}-help`, text: control.help });
      const note = element("span", { class: "cx-error", id: `${id}-error`, role: "alert" });
      input.setAttribute("aria-describedby", `${id}-help ${id}-error`);
      input.title = control.help;
      if (control.key in fixed) input.disabled = true;
      input.addEventListener(control.kind === "text" ? "input" : "change", () => {
        if (control.key === "layer" && isSet(input.value)) {
          // A PyTorch layer gives what these flags would: they step aside, as on the command line.
          for (const key of controls.layer_sets) {
            model.set(traitName(key), typeof model.get(traitName(key)) === "boolean" ? false : "");
            if (inputs[key]) {
              if (inputs[key].type === "checkbox") inputs[key].checked = false;
              else inputs[key].value = "";
            }
          }
        }
        model.set(trait, control.kind === "switch" ? input.checked : input.value);
        model.save_changes();
      });
      inputs[control.key] = input;
      notes[control.key] = note;
      const row = element("div", { class: `cx-field cx-${control.kind}` });
      row.append(element("label", { for: id, text: control.label }), input, note, help);
      groups[control.group].append(row);
    }
  }

  // Arrow keys step a whole number, as on a slider.
  function nudge(event, input) {
    const step = { ArrowUp: 1, ArrowDown: -1 }[event.key];
    if (step === undefined || !/^-?\d+$/.test(input.value.trim())) return;
    event.preventDefault();
    input.value = String(Number(input.value) + step);
    input.dispatchEvent(new Event("input"));
  }

  // The picture, its player, its formula and code.
  const stage = element("section", { class: "cx-stage", "aria-label": "picture" });
  const picture = element("div", { class: "cx-picture" });
  const player = element("div", { class: "cx-player", role: "group", "aria-label": "player" });
  const back = element("button", { type: "button", "aria-label": "previous frame" }, icon("back"));
  const play = element("button", { type: "button", "aria-label": "play" }, icon("play"));
  const forward = element("button", { type: "button", "aria-label": "next frame" }, icon("forward"));
  const scrubber = element("input", {
    type: "range",
    min: "1",
    max: "1",
    value: "1",
    "aria-label": "frame",
    class: "cx-scrubber",
  });
  const frameText = element("output", { class: "cx-frame", "aria-live": "off" });
  const speed = element("select", { "aria-label": "speed" });
  for (const rate of SPEEDS) speed.append(element("option", { value: String(rate), text: `${rate}×` }));
  speed.value = "1";
  player.append(back, play, forward, scrubber, frameText, speed);
  const problem = element("p", { class: "cx-error cx-problem", role: "alert" });
  const shape = element("pre", { class: "cx-shape", "aria-label": "output size" });
  const code = element("pre", { class: "cx-code", "aria-label": "PyTorch" });
  const command = element("pre", { class: "cx-code cx-command", "aria-label": "command line" });
  const address = element("a", { class: "cx-address", text: "link to this view" });
  stage.append(problem, picture, player, shape, code, command, address);
  root.append(form, stage);

  // --- the player: the SVG's own CSS animations, paused and sought ---
  let shown = {};
  let animations = [];
  let playing = !window.matchMedia(REDUCED_MOTION).matches;
  let pinned = null; // a frame index held by a click
  let playingBeforePin = false; // unpinned, the picture plays again if it played
  let hovered = null;
  let ticking = false; // the loop that shows the playing frame's number runs
  let engaged = false; // the reader has used the player: reduced motion no longer holds the still

  function frames() {
    return shown.frames ?? 1;
  }
  function cycle() {
    return frames() * (shown.duration ?? 1000);
  }
  function liftStill() {
    // Reduced motion shows the SVG's still until the reader plays or seeks.
    engaged = true;
    const style = picture.querySelector("svg style");
    if (style && style.textContent.includes(STILL_RULE)) {
      style.textContent = style.textContent.replace(STILL_RULE, NO_MEDIA);
    }
    animations = picture.getAnimations({ subtree: true });
  }
  function currentFrame() {
    if (!animations.length) return null;
    const time = Number(animations[0].currentTime ?? 0);
    return Math.floor((((time % cycle()) + cycle()) % cycle()) / shown.duration);
  }
  function seek(index) {
    liftStill();
    const count = frames();
    const frame = ((index % count) + count) % count;
    const time = (frame + 0.5) * shown.duration; // the middle of the frame's slot
    for (const animation of animations) {
      animation.pause();
      animation.currentTime = time;
    }
    showFrame(frame);
  }
  function setPlaying(on) {
    playing = on;
    play.replaceChildren(icon(on ? "pause" : "play"));
    play.setAttribute("aria-label", on ? "pause" : "play");
    if (on) {
      liftStill();
      for (const animation of animations) {
        animation.playbackRate = Number(speed.value);
        animation.play();
      }
      if (!ticking) {
        ticking = true;
        requestAnimationFrame(tick);
      }
    } else {
      for (const animation of animations) animation.pause();
      const frame = currentFrame();
      if (frame !== null) seek(frame);
    }
  }
  function showFrame(frame) {
    scrubber.value = String(frame + 1);
    frameText.value = `frame ${frame + 1} of ${frames()}`;
    frameText.textContent = frameText.value;
  }
  function tick() {
    // One loop at a time follows the clock while the picture plays (ticking says it runs).
    if (!playing || !root.isConnected) {
      ticking = false;
      return;
    }
    const frame = currentFrame();
    if (frame !== null) showFrame(frame);
    requestAnimationFrame(tick);
  }
  play.addEventListener("click", () => {
    pinned = null;
    setPlaying(!playing);
  });
  back.addEventListener("click", () => {
    setPlaying(false);
    seek(Number(scrubber.value) - 2);
  });
  forward.addEventListener("click", () => {
    setPlaying(false);
    seek(Number(scrubber.value));
  });
  scrubber.addEventListener("input", () => {
    const wanted = Number(scrubber.value) - 1; // read first: pausing shows the clock's frame
    if (playing) setPlaying(false);
    seek(wanted);
  });
  speed.addEventListener("change", () => {
    for (const animation of animations) animation.playbackRate = Number(speed.value);
  });

  // --- hovering a cell shows its frame; a click pins it ---
  function target(event) {
    const svg = picture.querySelector("svg");
    if (!svg || !shown.targets) return null;
    const matrix = svg.getScreenCTM();
    if (!matrix) return null;
    const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
    for (const [frame, ...corners] of shown.targets) {
      if (inside(point.x, point.y, corners)) return frame;
    }
    return null;
  }
  picture.addEventListener("mousemove", (event) => {
    if (pinned !== null) return;
    const frame = target(event);
    if (frame === hovered) return;
    hovered = frame;
    if (frame !== null) {
      for (const animation of animations) animation.pause();
      seek(frame);
    } else if (playing) {
      setPlaying(true);
    }
  });
  picture.addEventListener("mouseleave", () => {
    hovered = null;
    if (pinned === null && playing) setPlaying(true);
  });
  picture.addEventListener("click", (event) => {
    const frame = target(event);
    const wasPinned = pinned !== null;
    pinned = frame === null || frame === pinned ? null : frame;
    if (pinned !== null) {
      if (!wasPinned) playingBeforePin = playing;
      setPlaying(false);
      seek(pinned);
    } else if (wasPinned && playingBeforePin) {
      setPlaying(true);
    }
    picture.classList.toggle("cx-pinned", pinned !== null);
  });

  // --- an answer: the picture, or the refusal beside its control ---
  function update() {
    const answer = model.get("shown") ?? {};
    for (const [key, note] of Object.entries(notes)) {
      note.textContent = "";
      inputs[key].removeAttribute("aria-invalid");
    }
    problem.textContent = "";
    if (answer.error !== undefined) {
      const note = notes[answer.key];
      if (note) {
        note.textContent = `error: ${answer.error}`;
        inputs[answer.key].setAttribute("aria-invalid", "true");
      } else {
        problem.textContent = `error: ${answer.error}`;
      }
      root.dataset.state = "refused";
      picture.classList.add("cx-stale");
      return; // the last good picture stays, dimmed
    }
    if (answer.svg === undefined) return;
    shown = answer;
    picture.classList.remove("cx-stale");
    root.dataset.shown = "";
    picture.innerHTML = answer.svg;
    animations = picture.getAnimations({ subtree: true });
    scrubber.max = String(frames());
    const still = frames() < 2;
    for (const control of [back, play, forward, scrubber, speed]) control.disabled = still;
    shape.textContent = answer.shape.join("\n");
    code.textContent = answer.code.join("\n");
    code.hidden = answer.code.length === 0;
    command.textContent = `$ ${answer.command}`;
    const link = model.get("link"); // a page's address for the state; a notebook has none
    address.hidden = !link;
    if (link) address.href = link(answer.query);
    pinned = hovered = null;
    picture.classList.remove("cx-pinned");
    if (playing && !still) setPlaying(true);
    else if (!engaged && window.matchMedia(REDUCED_MOTION).matches) showFrame(answer.still);
    else seek(0); // the SVG's own still, above, until the reader plays or seeks
    root.dataset.state = "shown";
    root.dataset.query = answer.query;
  }
  function changedNet() {
    modes[Boolean(model.get("net"))].checked = true;
    build();
  }
  model.on("change:shown", update);
  model.on("change:net", changedNet);
  build();
  update();
  return () => {
    // anywidget calls this when the view goes: the model outlives it, so let go of it.
    model.off("change:shown", update);
    model.off("change:net", changedNet);
  };
}

// The player's buttons, drawn (a font may lack the media symbols): 16x16 path data.
const ICONS = {
  play: "M4 2 L14 8 L4 14 Z",
  pause: "M3 2 H7 V14 H3 Z M9 2 H13 V14 H9 Z",
  back: "M2 2 H4 V14 H2 Z M14 2 L5 8 L14 14 Z",
  forward: "M12 2 H14 V14 H12 Z M2 2 L11 8 L2 14 Z",
};

function icon(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "14");
  svg.setAttribute("height", "14");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", ICONS[name]);
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return svg;
}

function inside(x, y, corners) {
  // Ray casting over the quadrilateral (x0, y0, ..., x3, y3).
  let within = false;
  for (let i = 0, j = 3; i < 4; j = i++) {
    const [xi, yi, xj, yj] = [corners[2 * i], corners[2 * i + 1], corners[2 * j], corners[2 * j + 1]];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) within = !within;
  }
  return within;
}

/** A whole page: the explorer on `el` from the page's own configuration (JSON in the page). */
export function mountPage(el, config) {
  const fromAddress = readQuery(config.mode === "static" ? location.hash : location.search);
  const state = Object.keys(fromAddress.values).length || fromAddress.net ? fromAddress : config.state;
  const answer = config.mode === "static" ? tableShown(config.table) : fetchShown(config.base ?? "");
  const model = new PageModel(config.controls, state, answer);
  model.set("fixed", config.fixed ?? {});
  // The address carries the state, where the page has an address of its own: an explorer
  // embedded in a documentation page (an iframe's srcdoc) has none.
  const place = (query) => (config.mode === "static" ? `#${query}` : `?${query}`);
  const addressed = location.protocol !== "about:";
  if (addressed) model.set("link", place);
  model.on("change:shown", () => {
    const shown = model.get("shown");
    if (shown.svg !== undefined && addressed) history.replaceState(null, "", place(shown.query));
  });
  render({ model, el });
  if (config.mode === "static") {
    // The address edited, or back and forward: the state it names.
    window.addEventListener("hashchange", () => {
      const asked = readQuery(location.hash);
      if (stateQuery(config.controls, asked) === stateQuery(config.controls, model.state())) return;
      for (const [name, value] of Object.entries(traits(config.controls, asked.values))) {
        model.set(name, value);
      }
      model.set("net", asked.net);
      model.emit("change:net");
      model.save_changes();
    });
  }
  model.save_changes();
  return model;
}

export default { render };
