// URL parameters of the overlay pages, checked once at load.
// A bad parameter stops the page with a one-line message naming it, rather
// than an overlay that silently shows nothing during a broadcast.
(function (root) {
  "use strict";

  const ID = /^[A-Za-z0-9_-]{1,64}$/;
  const THEMES = ["wood", "light", "dark"];
  const CONTROL = /[\u0000-\u001f\u007f]/;

  class ParamError extends Error {}

  function flag(query, name, fallback) {
    const value = query.get(name);
    if (value === null || value === "") return fallback;
    const v = value.toLowerCase();
    if (["1", "true", "on", "yes"].includes(v)) return true;
    if (["0", "false", "off", "no"].includes(v)) return false;
    throw new ParamError(`${name}=${value} must be 1 or 0`);
  }

  function integer(query, name, low, high, fallback) {
    const value = query.get(name);
    if (value === null || value === "") return fallback;
    if (!/^[0-9]+$/.test(value) || +value < low || +value > high) {
      throw new ParamError(`${name}=${value} must be a whole number in ${low}..${high}`);
    }
    return +value;
  }

  function name(query, key) {
    const value = query.get(key);
    if (value === null || value === "") return null;
    if (value.length > 64 || CONTROL.test(value)) {
      throw new ParamError(`${key} must be a name of at most 64 printable characters`);
    }
    return value;
  }

  // The club broker config serves overlays on a websockets listener at 9001
  // of the host that also serves the page; a page opened from a file has no
  // host, so it falls back to this machine.
  function defaultBroker(location) {
    const secure = location.protocol === "https:";
    let host = location.hostname || "localhost";
    if (host.includes(":") && !host.startsWith("[")) host = `[${host}]`;
    return `${secure ? "wss" : "ws"}://${host}:9001`;
  }

  function broker(query, location) {
    const value = query.get("broker");
    if (value === null || value === "") return defaultBroker(location);
    let url;
    try {
      url = new URL(value);
    } catch (e) {
      throw new ParamError(`broker=${value} is not a URL (e.g. ws://broker.lan:9001)`);
    }
    if (url.protocol !== "ws:" && url.protocol !== "wss:") {
      throw new ParamError(`broker=${value} must be a ws:// or wss:// URL`);
    }
    return value;
  }

  function prefix(query) {
    const value = query.get("prefix") || "goban";
    if (!value.split("/").every((level) => ID.test(level))) {
      throw new ParamError(`prefix=${value} must be '/'-separated levels of letters, digits, '_' or '-'`);
    }
    return value;
  }

  function boardId(value, key) {
    if (!ID.test(value)) {
      throw new ParamError(`${key}=${value} must be 1-64 letters, digits, '_' or '-'`);
    }
    return value;
  }

  // view: "single" (one board, `board` required) or "grid" (`boards`
  // optional: without it every board that publishes under the prefix shows).
  function parse(search, location, view) {
    const query = new URLSearchParams(search);
    const theme = query.get("theme") || "wood";
    if (!THEMES.includes(theme)) {
      throw new ParamError(`theme=${theme} must be one of ${THEMES.join(", ")}`);
    }
    const config = {
      broker: broker(query, location),
      prefix: prefix(query),
      theme,
      coords: flag(query, "coords", view === "single"),
      info: flag(query, "info", true),
      size: integer(query, "size", 80, 4000, null),
    };
    if (view === "single") {
      const board = query.get("board");
      if (board === null || board === "") throw new ParamError("board= is missing (the board id, e.g. board=table-1)");
      config.board = boardId(board, "board");
      config.black = name(query, "black");
      config.white = name(query, "white");
    } else {
      const boards = query.get("boards");
      config.boards = boards ? boards.split(",").map((b) => boardId(b.trim(), "boards")) : null;
      config.columns = integer(query, "columns", 1, 16, null);
    }
    return config;
  }

  root.GobanOverlay = root.GobanOverlay || {};
  root.GobanOverlay.params = { parse, ParamError, THEMES };
})(window);
