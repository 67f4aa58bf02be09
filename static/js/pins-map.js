// The map of pinned remarks: the dossier's boundary and every remark the user may
// read that is tied to a place (points as markers, lines, areas as polygons), each
// with a popup linking to the remark. Pins come from the GeoJSON endpoint
// (data-pins-url) or from a json_script element (data-pins). A link to
// "#pin-<id>" focuses that pin. Without a tile server the shapes draw on the plain
// background.
(function () {
  "use strict";

  const OUTLINE_STYLE = { color: "#0b5d8f", weight: 2, fillOpacity: 0.1 };
  const PIN_STYLE = { color: "#b3261e", weight: 4, fillOpacity: 0.3 };
  const DRAFT_STYLE = { color: "#b3261e", weight: 3, fillOpacity: 0.15, dashArray: "6 4" };

  function readJson(id) {
    const element = id && document.getElementById(id);
    if (!element) {
      return null;
    }
    try {
      return JSON.parse(element.textContent);
    } catch (error) {
      return null;
    }
  }

  function latLng(position) {
    return [position[1], position[0]];
  }

  function title(properties, element) {
    const parts = [properties.author, properties.label].filter(Boolean);
    if (properties.draft) {
      parts.push("(" + element.dataset.draft + ")");
    }
    return parts.join(" · ");
  }

  // Text goes in as textContent: remarks are user input.
  function popupContent(properties, element) {
    const container = document.createElement("div");
    container.className = "pins-popup";
    const heading = document.createElement("strong");
    heading.textContent = title(properties, element);
    const excerpt = document.createElement("p");
    excerpt.textContent = properties.excerpt;
    const link = document.createElement("a");
    // On a page that lists the remark itself (the synthesis), link to its row there.
    link.href = document.getElementById(properties.anchor) ? "#" + properties.anchor : properties.url;
    link.textContent = element.dataset.open;
    link.dataset.pinItem = String(properties.id);
    container.append(heading, excerpt, link);
    return container;
  }

  function pinLayer(feature, element) {
    const geometry = feature.geometry;
    const properties = feature.properties;
    const style = properties.draft ? DRAFT_STYLE : PIN_STYLE;
    const label = title(properties, element);
    if (geometry.type === "Point") {
      return L.marker(latLng(geometry.coordinates), { title: label, alt: label });
    }
    if (geometry.type === "LineString") {
      return L.polyline(geometry.coordinates.map(latLng), style);
    }
    if (geometry.type === "Polygon") {
      return L.polygon(geometry.coordinates.map((ring) => ring.map(latLng)), style);
    }
    return null;
  }

  function initMap(element) {
    const config = readJson(element.dataset.config) || {};
    const status = document.getElementById("pins-map-status");
    L.Icon.Default.imagePath = config.iconPath;
    const map = L.map(element, { scrollWheelZoom: false });
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { attribution: config.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    L.control.scale({ imperial: false }).addTo(map);
    map.setView(config.center, config.zoom);
    const everything = L.featureGroup().addTo(map);
    const boundary = readJson(element.dataset.boundary);
    if (boundary) {
      L.geoJSON(boundary, { style: OUTLINE_STYLE, interactive: false }).addTo(everything);
    }
    const pins = new Map();

    function say(key) {
      if (status) {
        status.textContent = key ? status.dataset[key] || "" : "";
      }
    }

    function fit() {
      const bounds = everything.getBounds();
      if (bounds.isValid()) {
        map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17 });
      }
    }

    function focus() {
      const match = /^#pin-(\d+)$/.exec(window.location.hash);
      const layer = match && pins.get(match[1]);
      if (!layer) {
        return;
      }
      element.scrollIntoView({ block: "center" });
      if (layer.getBounds) {
        map.fitBounds(layer.getBounds(), { padding: [40, 40], maxZoom: 17 });
      } else {
        map.setView(layer.getLatLng(), Math.max(map.getZoom(), 16));
      }
      layer.openPopup();
    }

    function show(data) {
      for (const feature of data.features || []) {
        const layer = pinLayer(feature, element);
        if (!layer) {
          continue;
        }
        layer.bindPopup(popupContent(feature.properties, element)).addTo(everything);
        const id = String(feature.properties.id);
        // Tests and the "#pin-<id>" links find each pin by its remark.
        layer.getElement().dataset.pin = id;
        pins.set(id, layer);
      }
      fit();
      say(pins.size ? "" : "empty");
      focus();
    }

    fit();
    window.addEventListener("hashchange", focus);
    // A second click on the same "#pin-<id>" link changes no hash: focus again.
    document.addEventListener("click", (event) => {
      const link = event.target.closest && event.target.closest("a[data-pin-link]");
      if (link && link.pathname === window.location.pathname && link.hash === window.location.hash) {
        event.preventDefault();
        focus();
      }
    });
    if (element.dataset.pins) {
      show(readJson(element.dataset.pins) || {});
      return;
    }
    fetch(element.dataset.pinsUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/geo+json, application/json" },
    })
      .then((response) => {
        if (!response.ok) {
          throw new Error(response.statusText);
        }
        return response.json();
      })
      .then(show)
      .catch(() => say("failed"));
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (typeof L === "undefined") {
      return;
    }
    document.querySelectorAll("[data-pins-map]").forEach(initMap);
  });
})();
