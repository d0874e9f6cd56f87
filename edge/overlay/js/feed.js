// The MQTT-over-WebSockets subscription, with the vendored mqtt.js
// (vendor/mqtt.min.js, global `mqtt`). Read-only: the overlay never publishes,
// which is all the club broker's overlay listener allows anyway.
(function (root) {
  "use strict";

  const LEAVES = ["available", "state", "move", "sgf", "status"];

  // boards: a list of board ids, or null for every board under the prefix.
  function topicFilters(prefix, boards) {
    const ids = boards === null ? ["+"] : boards;
    return ids.flatMap((id) => LEAVES.map((leaf) => `${prefix}/${id}/${leaf}`));
  }

  // `<prefix>/<board>/<leaf>` -> [board, leaf], or null for anything else.
  function splitTopic(prefix, topic) {
    if (!topic.startsWith(prefix + "/")) return null;
    const rest = topic.slice(prefix.length + 1).split("/");
    if (rest.length !== 2 || !LEAVES.includes(rest[1])) return null;
    return rest;
  }

  // handlers: onMessage(board, leaf, text), onConnection("connecting" |
  // "connected" | "disconnected", detail). "connected" means subscribed: the
  // retained state, sgf and available of every board follow at once.
  function connect(config, boards, handlers) {
    const mqtt = root.mqtt;
    if (!mqtt || typeof mqtt.connect !== "function") {
      throw new Error("vendor/mqtt.min.js did not load");
    }
    const decoder = new TextDecoder("utf-8");
    const filters = topicFilters(config.prefix, boards);
    handlers.onConnection("connecting", config.broker);
    const client = mqtt.connect(config.broker, {
      clientId: `goban-overlay-${Math.random().toString(16).slice(2, 10)}`,
      clean: true, // the retained state is all a fresh page needs
      protocolVersion: 4,
      keepalive: 20,
      connectTimeout: 5000,
      reconnectPeriod: 2000,
      resubscribe: false, // subscribed again on every connect below
    });
    client.on("connect", () => {
      const wanted = Object.fromEntries(filters.map((f) => [f, { qos: 1 }]));
      client.subscribe(wanted, (err, granted) => {
        const refused = (granted || []).filter((g) => g.qos === 128).map((g) => g.topic);
        if (err || refused.length) {
          handlers.onConnection("disconnected", `subscription refused: ${err ? err.message : refused.join(", ")}`);
          return;
        }
        handlers.onConnection("connected", config.broker);
      });
    });
    client.on("message", (topic, payload) => {
      const parts = splitTopic(config.prefix, topic);
      if (parts === null) return;
      handlers.onMessage(parts[0], parts[1], decoder.decode(payload));
    });
    client.on("close", () => handlers.onConnection("disconnected", "connection closed"));
    client.on("error", (err) => console.warn(`goban overlay: broker ${config.broker}: ${err.message}`));
    return client;
  }

  root.GobanOverlay = root.GobanOverlay || {};
  root.GobanOverlay.feed = { connect, topicFilters, splitTopic, LEAVES };
})(window);
