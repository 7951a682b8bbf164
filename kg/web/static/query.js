// The query page: YASGUI against this server's endpoint, plus one-click canned queries.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("kg-config").textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;

  // Only the completers that work offline: no calls to vocabulary services elsewhere.
  Yasgui.Yasqe.defaults.autocompleters = ["variables"];
  Yasgui.Yasqe.defaults.value =
    Object.keys(config.prefixes)
      .map(function (name) { return "PREFIX " + name + ": <" + config.prefixes[name] + ">"; })
      .join("\n") +
    "\n\nSELECT ?diplomat ?name WHERE {\n  ?diplomat a dkg:Diplomat ; rdfs:label ?name .\n}\nLIMIT 50\n";

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
  });
  window.kgYasgui = yasgui;

  var byName = {};
  config.canned.forEach(function (q) { byName[q.name] = q; });
  document.querySelectorAll("button.run-canned").forEach(function (button) {
    button.addEventListener("click", function () {
      var query = byName[button.getAttribute("data-name")];
      var tab = yasgui.getTab();
      tab.setEndpoint(endpoint);
      tab.setQuery(query.query);
      tab.getYasqe().query();
      document.getElementById("yasgui").scrollIntoView();
    });
  });
})();
