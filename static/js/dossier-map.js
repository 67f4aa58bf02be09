// Dossier maps: the overview of all visible dossiers, one dossier's boundary,
// and the boundary editor of the dossier form. Configuration comes from
// json_script elements named in data-* attributes (the CSP forbids inline
// scripts). Every page works without this file: the editor's GeoJSON text
// field stays visible and the list shows what the overview map shows.
(function () {
  "use strict";

  const OUTLINE_STYLE = { color: "#0b5d8f", weight: 2, fillOpacity: 0.15 };

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

  function createMap(element, config) {
    L.Icon.Default.imagePath = config.iconPath;
    const map = L.map(element, { scrollWheelZoom: false });
    // Without a tile server the boundaries and pins draw on the plain background.
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, {
        attribution: config.tileAttribution || "",
        maxZoom: 19,
      }).addTo(map);
    }
    L.control.scale({ imperial: false }).addTo(map);
    map.setView(config.center, config.zoom);
    return map;
  }

  function fitTo(map, layer, config) {
    const bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17 });
    } else {
      map.setView(config.center, config.zoom);
    }
  }

  // ---- Overview: every visible dossier, fed by the JSON endpoint ---------

  function popupContent(feature, openLabel) {
    const container = document.createElement("div");
    container.className = "dossier-popup";
    const title = document.createElement("strong");
    title.textContent = feature.properties.code;
    const name = document.createElement("p");
    name.textContent = feature.properties.name;
    const kind = document.createElement("p");
    kind.className = "muted";
    kind.textContent = feature.properties.kind;
    const link = document.createElement("a");
    link.href = feature.properties.url;
    link.textContent = openLabel;
    container.append(title, name, kind, link);
    return container;
  }

  function initOverview(element, config) {
    const map = createMap(element, config);
    const status = document.getElementById("dossier-map-status");
    const filters = document.querySelector("[data-dossier-filters]");
    const outlines = L.featureGroup().addTo(map);
    const pins = L.featureGroup().addTo(map);
    let followView = false;
    let request = 0;

    function say(key) {
      if (status) {
        status.textContent = key ? status.dataset[key] || "" : "";
      }
    }

    function filterQuery() {
      const params = new URLSearchParams(filters ? new FormData(filters) : undefined);
      for (const [key, value] of Array.from(params.entries())) {
        if (!value) {
          params.delete(key);
        }
      }
      return params;
    }

    function load(fit) {
      const params = filterQuery();
      if (!fit && followView) {
        params.set("bbox", map.getBounds().toBBoxString());
      }
      const current = ++request;
      say("loading");
      fetch(config.dataUrl + "?" + params.toString(), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then((response) => {
          if (!response.ok) {
            throw new Error(response.statusText);
          }
          return response.json();
        })
        .then((data) => {
          if (current !== request) {
            return;
          }
          outlines.clearLayers();
          pins.clearLayers();
          for (const feature of data.features) {
            const content = popupContent(feature, status ? status.dataset.open : "");
            L.geoJSON(feature.geometry, { style: OUTLINE_STYLE })
              .bindPopup(content)
              .addTo(outlines);
            const [lon, lat] = feature.properties.centroid;
            L.marker([lat, lon], { title: feature.properties.code })
              .bindPopup(popupContent(feature, status ? status.dataset.open : ""))
              .addTo(pins);
          }
          // A truncated answer is refined by asking again for the visible area.
          followView = followView || data.truncated;
          if (fit) {
            fitTo(map, outlines, config);
          }
          say(data.truncated ? "truncated" : data.features.length ? "" : "empty");
        })
        .catch(() => {
          if (current === request) {
            say("failed");
          }
        });
    }

    if (filters) {
      filters.addEventListener("submit", (event) => {
        event.preventDefault();
        const query = filterQuery().toString();
        window.history.replaceState(null, "", query ? "?" + query : window.location.pathname);
        load(true);
      });
      filters.addEventListener("change", () => filters.requestSubmit());
    }
    let moveTimer = null;
    map.on("moveend", () => {
      if (followView) {
        window.clearTimeout(moveTimer);
        moveTimer = window.setTimeout(() => load(false), 300);
      }
    });
    load(true);
  }

  // ---- Detail: one dossier's boundary ------------------------------------

  function initDetail(element, config) {
    const map = createMap(element, config);
    const boundary = readJson(element.dataset.boundary);
    if (boundary) {
      const layer = L.geoJSON(boundary, { style: OUTLINE_STYLE }).addTo(map);
      fitTo(map, layer, config);
    }
  }

  // ---- Editor: draw the boundary into the GeoJSON text field --------------

  function deepMerge(target, source) {
    for (const [key, value] of Object.entries(source || {})) {
      if (value && typeof value === "object" && !Array.isArray(value)) {
        target[key] = deepMerge(target[key] || {}, value);
      } else {
        target[key] = value;
      }
    }
    return target;
  }

  function geometryOf(data) {
    if (!data || typeof data !== "object") {
      return null;
    }
    if (data.type === "Feature") {
      return geometryOf(data.geometry);
    }
    if (data.type === "FeatureCollection" && Array.isArray(data.features)) {
      const polygons = [];
      for (const feature of data.features) {
        const geometry = geometryOf(feature);
        if (geometry) {
          polygons.push(...polygonsOf(geometry));
        }
      }
      return polygons.length ? { type: "MultiPolygon", coordinates: polygons } : null;
    }
    return data.type === "Polygon" || data.type === "MultiPolygon" ? data : null;
  }

  function polygonsOf(geometry) {
    if (geometry.type === "Polygon") {
      return [geometry.coordinates];
    }
    return geometry.type === "MultiPolygon" ? geometry.coordinates : [];
  }

  // The drawing lives in the text field; it stays reachable for pasting GeoJSON.
  function hideTextField(field, showLabel, hideLabel) {
    const wrapper = field.closest(".field") || field;
    if (wrapper.classList.contains("field-error")) {
      return;
    }
    const toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "link-button dossier-geojson-toggle";
    toggle.textContent = showLabel;
    toggle.setAttribute("aria-expanded", "false");
    toggle.addEventListener("click", () => {
      const opening = wrapper.hidden;
      wrapper.hidden = !opening;
      toggle.textContent = opening ? hideLabel : showLabel;
      toggle.setAttribute("aria-expanded", String(opening));
    });
    wrapper.hidden = true;
    wrapper.before(toggle);
  }

  function initEditor(element, config) {
    const field = document.getElementById(element.dataset.field);
    const fileField = document.getElementById(element.dataset.fileField);
    if (!field || !L.Control.Draw) {
      return;
    }
    deepMerge(L.drawLocal, readJson(element.dataset.labels));
    element.hidden = false;
    const hint = element.parentElement.querySelector(".dossier-editor-hint");
    if (hint) {
      hint.hidden = false;
    }
    hideTextField(field, element.dataset.showText, element.dataset.hideText);
    const map = createMap(element, config);
    const drawn = L.featureGroup().addTo(map);

    function show(geometry) {
      drawn.clearLayers();
      for (const rings of polygonsOf(geometry)) {
        // One layer per part so each can be edited or deleted on its own.
        const latlngs = rings.map((ring) => ring.map(([lon, lat]) => [lat, lon]));
        L.polygon(latlngs, OUTLINE_STYLE).addTo(drawn);
      }
      fitTo(map, drawn, config);
    }

    function write() {
      const polygons = [];
      drawn.eachLayer((layer) => {
        polygons.push(...polygonsOf(layer.toGeoJSON().geometry));
      });
      let geometry = null;
      if (polygons.length === 1) {
        geometry = { type: "Polygon", coordinates: polygons[0] };
      } else if (polygons.length > 1) {
        geometry = { type: "MultiPolygon", coordinates: polygons };
      }
      field.value = geometry ? JSON.stringify(geometry) : "";
    }

    function showText(text) {
      try {
        const geometry = geometryOf(JSON.parse(text));
        if (geometry) {
          show(geometry);
        }
      } catch (error) {
        // Not JSON yet: the server explains what is wrong on submit.
      }
    }

    new L.Control.Draw({
      position: "topleft",
      draw: {
        polygon: { allowIntersection: false, showArea: false, shapeOptions: OUTLINE_STYLE },
        rectangle: { showArea: false, shapeOptions: OUTLINE_STYLE },
        polyline: false,
        circle: false,
        circlemarker: false,
        marker: false,
      },
      edit: { featureGroup: drawn, remove: true },
    }).addTo(map);
    map.on(L.Draw.Event.CREATED, (event) => {
      drawn.addLayer(event.layer);
      write();
    });
    map.on(L.Draw.Event.EDITED, write);
    map.on(L.Draw.Event.DELETED, write);
    field.addEventListener("change", () => showText(field.value));
    if (fileField) {
      fileField.addEventListener("change", () => {
        const file = fileField.files && fileField.files[0];
        if (file) {
          file.text().then(showText);
        }
      });
    }
    if (field.value.trim()) {
      showText(field.value);
    }
  }

  const initialisers = { overview: initOverview, detail: initDetail, editor: initEditor };

  document.addEventListener("DOMContentLoaded", () => {
    if (typeof L === "undefined") {
      return;
    }
    for (const element of document.querySelectorAll("[data-dossier-map]")) {
      const config = readJson(element.dataset.config);
      const initialise = initialisers[element.dataset.dossierMap];
      if (config && initialise) {
        initialise(element, config);
      }
    }
  });
})();
