// The opinion workspace: draw a point, line or polygon on the dossier's map to
// tie a remark to a place (stored as GeoJSON in the remark form's hidden
// field), and keep every form's lock_version in step with the autosaved draft
// so that adding a remark right after typing is not refused as stale.
(function () {
  "use strict";

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

  function syncLockVersion() {
    const current = document.getElementById("lock-version");
    if (!current) {
      return;
    }
    document.querySelectorAll(".lock-version-copy").forEach(function (input) {
      input.value = current.value;
    });
  }

  function initMap(element) {
    if (typeof L === "undefined") {
      return;
    }
    const config = readJson(element.dataset.config) || {};
    const boundary = readJson(element.dataset.boundary);
    const target = document.getElementById(element.dataset.target);
    const status = document.getElementById("item-geometry-status");
    L.Icon.Default.imagePath = config.iconPath;
    const map = L.map(element, { scrollWheelZoom: false });
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { attribution: config.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    map.setView(config.center, config.zoom);
    if (boundary) {
      const outline = L.geoJSON(boundary, { style: { color: "#0b5d8f", weight: 2, fillOpacity: 0.1 } }).addTo(map);
      if (outline.getBounds().isValid()) {
        map.fitBounds(outline.getBounds(), { padding: [20, 20], maxZoom: 17 });
      }
    }
    const drawn = L.featureGroup().addTo(map);
    if (L.Control && L.Control.Draw) {
      map.addControl(
        new L.Control.Draw({
          draw: { polyline: true, polygon: true, marker: true, rectangle: false, circle: false, circlemarker: false },
          edit: { featureGroup: drawn, edit: false, remove: true },
        })
      );
      map.on(L.Draw.Event.CREATED, function (event) {
        drawn.clearLayers();
        drawn.addLayer(event.layer);
        if (target) {
          target.value = JSON.stringify(event.layer.toGeoJSON().geometry);
        }
        if (status) {
          status.textContent = status.dataset.drawn || "";
        }
      });
      map.on(L.Draw.Event.DELETED, function () {
        if (target) {
          target.value = "";
        }
        if (status) {
          status.textContent = status.dataset.empty || "";
        }
      });
    }
    element.thamvanMap = map;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-opinion-map]").forEach(initMap);
    syncLockVersion();
  });
  document.addEventListener("htmx:afterSwap", syncLockVersion);
})();
