/* Carte GEN — client of the map page and of the embed.
 *
 * Loads the compact dataset once, filters it in the browser with the same semantics as
 * /api/formations, and keeps the markers, the accessible list, the result count, the URL and
 * the download links in step. Every data value reaches the DOM through textContent or
 * setAttribute, never through innerHTML.
 */
(function () {
  'use strict';

  /** Query parameters shared by the page, the embed, the GeoJSON and the CSV. */
  var PARAMETRES = ['region', 'departement', 'type_structure', 'modalite', 'duree_min',
    'duree_max', 'q', 'lat', 'lon', 'rayon_km'];
  var OPTIONS_EMBED = ['liste', 'filtres'];
  var TAILLE_PAGE_LISTE = 50;
  var RAYON_PAR_DEFAUT = 20;
  var RAYON_TERRE_KM = 6371.0088;
  var OPTIONS_POPUP = { maxWidth: 320, autoPanPadding: [24, 24] };

  var etat = {
    pret: false,
    lastUpdateMs: null,
    lastMarkersMs: null,
    firstMarkersMs: null,
    firstMarkersAt: null,
    donneesMs: null,
    nombre: null,
    resultats: [],
    mesures: []
  };

  // ---------------------------------------------------------------- text and numbers

  var LIGATURES = { 'œ': 'oe', 'Œ': 'OE', 'æ': 'ae', 'Æ': 'AE', 'ß': 'ss' };

  /** Same folding as geo.text.fold: lower case, no accents, punctuation as single spaces. */
  function fold(texte) {
    var s = String(texte).replace(/[œŒæÆß]/g, function (c) { return LIGATURES[c]; });
    s = s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
    return s.replace(/[^0-9a-z]+/g, ' ').trim();
  }

  function distanceKm(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180;
    var dLat = (lat2 - lat1) * rad;
    var dLon = (lon2 - lon1) * rad;
    var a = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * RAYON_TERRE_KM * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  function entier(valeur) {
    if (valeur === null || valeur === undefined || !/^\s*\d+\s*$/.test(valeur)) { return null; }
    return parseInt(valeur, 10);
  }

  function nombre(valeur, min, max) {
    if (valeur === null || valeur === undefined || String(valeur).trim() === '') { return null; }
    var n = Number(valeur);
    if (!isFinite(n) || n < min || n > max) { return null; }
    return n;
  }

  var formatKm = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
  var formatEntier = new Intl.NumberFormat('fr-FR');

  // ---------------------------------------------------------------- DOM helpers

  function $(id) { return document.getElementById(id); }

  /** An element with a class and a text, built without parsing any HTML. */
  function el(tag, classe, texte) {
    var noeud = document.createElement(tag);
    if (classe) { noeud.className = classe; }
    if (texte !== undefined && texte !== null) { noeud.textContent = String(texte); }
    return noeud;
  }

  function option(valeur, libelle) {
    var o = document.createElement('option');
    o.value = valeur;
    o.textContent = libelle;
    return o;
  }

  /** Only http(s) links are shown: a javascript: or data: URL in the data stays text. */
  function lienSur(url) {
    if (!url) { return null; }
    try {
      var u = new URL(url);
      return (u.protocol === 'https:' || u.protocol === 'http:') ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  // ---------------------------------------------------------------- filters <-> URL

  /** Repeated and comma-separated values, stripped, without empties or duplicates (as the API). */
  function valeurs(p, nom) {
    var vues = [];
    p.getAll(nom).forEach(function (v) {
      v.split(',').forEach(function (partie) {
        partie = partie.trim();
        if (partie && vues.indexOf(partie) < 0) { vues.push(partie); }
      });
    });
    return vues;
  }

  /** Filters read from a query string, invalid values dropped (the page never fails on them). */
  function filtresDepuisRecherche(recherche) {
    var p = new URLSearchParams(recherche);
    var f = {
      region: valeurs(p, 'region'),
      departement: valeurs(p, 'departement'),
      type_structure: valeurs(p, 'type_structure'),
      modalite: valeurs(p, 'modalite'),
      duree_min: entier(p.get('duree_min')),
      duree_max: entier(p.get('duree_max')),
      q: (p.get('q') || '').trim(),
      lat: nombre(p.get('lat'), -90, 90),
      lon: nombre(p.get('lon'), -180, 180),
      rayon_km: nombre(p.get('rayon_km'), 0.001, 20000)
    };
    if (f.lat === null || f.lon === null) { f.lat = null; f.lon = null; f.rayon_km = null; }
    return f;
  }

  /** The filters as API query parameters, in a stable order. */
  function parametresApi(f) {
    var p = new URLSearchParams();
    if (f.region.length) { p.set('region', f.region.join(',')); }
    if (f.departement.length) { p.set('departement', f.departement.join(',')); }
    if (f.type_structure.length) { p.set('type_structure', f.type_structure.join(',')); }
    f.modalite.forEach(function (m) { p.append('modalite', m); });
    if (f.duree_min !== null) { p.set('duree_min', String(f.duree_min)); }
    if (f.duree_max !== null) { p.set('duree_max', String(f.duree_max)); }
    if (f.q) { p.set('q', f.q); }
    if (f.lat !== null && f.lon !== null) {
      p.set('lat', String(f.lat));
      p.set('lon', String(f.lon));
      if (f.rayon_km !== null) { p.set('rayon_km', String(f.rayon_km)); }
    }
    return p;
  }

  // ---------------------------------------------------------------- filtering

  function ensemble(liste) {
    if (!liste.length) { return null; }
    var e = {};
    liste.forEach(function (v) { e[v] = true; });
    return e;
  }

  /** Trainings matching the filters, nearest first when a position is set (as the API). */
  function filtrer(formations, f) {
    var mots = f.q ? fold(f.q).split(' ').filter(Boolean) : [];
    var regions = ensemble(f.region);
    var departements = ensemble(f.departement);
    var types = ensemble(f.type_structure);
    var modalites = ensemble(f.modalite);
    var avecPosition = f.lat !== null && f.lon !== null;
    var resultat = [];
    for (var i = 0; i < formations.length; i++) {
      var r = formations[i];
      if (regions && regions[r.region] !== true) { continue; }
      if (departements && departements[r.departement] !== true) { continue; }
      if (types && types[r.type_structure] !== true) { continue; }
      if (modalites && modalites[r.modalite] !== true) { continue; }
      if (f.duree_min !== null && !(r.duree_mois !== null && r.duree_mois >= f.duree_min)) { continue; }
      if (f.duree_max !== null && !(r.duree_mois !== null && r.duree_mois <= f.duree_max)) { continue; }
      if (mots.length) {
        var ok = true;
        for (var k = 0; k < mots.length; k++) {
          if (r.texte.indexOf(mots[k]) < 0) { ok = false; break; }
        }
        if (!ok) { continue; }
      }
      if (avecPosition) {
        r.distance_km = distanceKm(f.lat, f.lon, r.lat, r.lon);
        if (f.rayon_km !== null && r.distance_km > f.rayon_km) { continue; }
      } else {
        r.distance_km = null;
      }
      resultat.push(r);
    }
    if (avecPosition) {
      resultat.sort(function (a, b) { return a.distance_km - b.distance_km || a.rang - b.rang; });
    }
    return resultat;
  }

  // ---------------------------------------------------------------- the application

  function Application(carte, grappes, localisation, config) {
    this.carte = carte;
    this.grappes = grappes;
    this.localisation = localisation;
    this.config = config;
    this.formations = [];
    this.resultats = [];
    this.nombreAffiches = 0;
    this.regions = {};
    this.departements = {};
    this.icones = {};
    var self = this;
    this.marqueurDePoint = function (r) { return self.marqueur(r); };
    this.retourFocus = null;
    this.indexToutes = null;
    this.positionLibelle = '';
    this.minuteurTexte = null;
    this.minuteurCommunes = null;
    this.requeteCommunes = 0;
  }

  Application.prototype.demarrer = function () {
    var self = this;
    var t0 = performance.now();
    etat.demarreAt = t0; // since navigation start
    this.formulaire = $('filtres');
    this.compte = $('compte');
    this.liste = $('liste-formations');
    this.plus = $('afficher-plus');
    var bloc = $('bloc-filtres');
    if (bloc && (this.config.mode === 'embed' || window.matchMedia('(max-width: 800px)').matches)) {
      bloc.open = false;
    }
    this.creerIcones();
    this.relierFormulaire();
    this.relierListe();
    this.relierIntegration();
    this.relierCarte();
    if (this.config.mode === 'embed') { this.relierHauteur(); }
    this.filtres = filtresDepuisRecherche(window.location.search);
    this.ecrireFormulaire(this.filtres);
    this.afficherMessage('Chargement des formations…');
    fetch(this.config.donnees_url, { credentials: 'same-origin' })
      .then(function (reponse) {
        if (!reponse.ok) { throw new Error('HTTP ' + reponse.status); }
        return reponse.json();
      })
      .then(function (donnees) {
        etat.donneesMs = performance.now() - t0;
        self.charger(donnees);
        etat.chargerMs = performance.now() - t0 - etat.donneesMs;
        self.remplirListesDeroulantes();
        self.ecrireFormulaire(self.filtres);
        self.appliquer({ ajuster: true, premiere: true, t0: t0 });
        self.plierPlusTard();
        etat.pret = true;
        document.documentElement.setAttribute('data-carte-prete', '1');
      })
      .catch(function (erreur) {
        self.afficherMessage('Les formations n’ont pas pu être chargées. Réessayez plus tard.');
        if (window.console) { window.console.warn('carte-gen: chargement impossible', erreur); }
      });
  };

  Application.prototype.creerIcones = function () {
    var icones = this.config.icones;
    for (var type in icones) {
      if (Object.prototype.hasOwnProperty.call(icones, type)) {
        this.icones[type] = L.icon({
          iconUrl: icones[type],
          iconSize: [30, 40],
          iconAnchor: [15, 38],
          popupAnchor: [0, -34],
          className: 'marqueur marqueur-' + type
        });
      }
    }
    this.iconeParDefaut = new L.Icon.Default();
  };

  /** Reader of an encoded column: a list, or ``{valeurs, codes}`` (a dictionary). */
  function lecteur(c) {
    if (Array.isArray(c)) { return function (i) { return c[i]; }; }
    var valeurs = c.valeurs;
    var codes = c.codes;
    return function (i) { return valeurs[codes[i]]; };
  }

  /** Reader of a column of the compact data, alone or in a group of columns encoded together. */
  function colonne(donnees, nom) {
    if (donnees.colonnes[nom] !== undefined) { return lecteur(donnees.colonnes[nom]); }
    var groupes = donnees.groupes || {};
    for (var g in groupes) {
      var j = Object.prototype.hasOwnProperty.call(groupes, g) ? groupes[g].colonnes.indexOf(nom) : -1;
      if (j >= 0) {
        var ligne = lecteur(groupes[g].donnees);
        return function (i) { return ligne(i)[j]; };
      }
    }
    return function () { return null; };
  }

  /** Turn the compact columns into records, with a folded text for the search. */
  Application.prototype.charger = function (donnees) {
    this.regions = donnees.regions || {};
    this.departements = donnees.departements || {};
    this.metadonnees = donnees.metadonnees || {};
    var n = donnees.nombre;
    var c = {};
    ['id', 'position', 'intitule', 'structure', 'type_structure', 'adresse', 'code_postal', 'commune',
      'departement', 'region', 'duree_mois', 'modalite', 'site_web', 'geocodage_precision']
      .forEach(function (nom) { c[nom] = colonne(donnees, nom); });
    var formations = new Array(n);
    var lieux = new Map();
    for (var i = 0; i < n; i++) {
      var position = c.position(i);
      var r = {
        rang: i,
        id: c.id(i),
        lon: position[0],
        lat: position[1],
        intitule: c.intitule(i) || '',
        structure: c.structure(i) || '',
        type_structure: c.type_structure(i) || '',
        adresse: c.adresse(i),
        code_postal: c.code_postal(i),
        commune: c.commune(i) || '',
        departement: c.departement(i) || '',
        region: c.region(i) || '',
        duree_mois: c.duree_mois(i),
        modalite: c.modalite(i) || '',
        site_web: c.site_web(i),
        precision: c.geocodage_precision(i),
        distance_km: null,
        marqueur: null,
        lieu: 0,
        texte: null
      };
      // Trainings at the exact same position share a place: the cluster layer indexes places.
      var cle = r.lon + ' ' + r.lat;
      var lieu = lieux.get(cle);
      if (lieu === undefined) { lieu = lieux.size; lieux.set(cle, lieu); }
      r.lieu = lieu;
      formations[i] = r;
    }
    this.formations = formations;
    this.parLieu = new Array(lieux.size);
    this.plies = 0;
    this.memoPlis = new Map();
    etat.nombre = formations.length;
  };

  /** Fold the searched texts of the trainings not folded yet, until `avant` (ms) if given.
   *
   * The API searches the folded « intitule structure commune »: so do we. Folding each field
   * apart gives the same words (the joining space is punctuation to fold) and lets repeated
   * values (structures, communes) be folded once. It costs a few hundred milliseconds at 50,000
   * trainings, so it is done after the first markers, in idle time, or at the first search.
   */
  Application.prototype.plierTextes = function (avant) {
    var formations = this.formations;
    var memo = this.memoPlis;
    var plie = function (texte) {
      var v = memo.get(texte);
      if (v === undefined) { v = fold(texte); memo.set(texte, v); }
      return v;
    };
    var i = this.plies;
    while (i < formations.length) {
      var r = formations[i];
      r.texte = plie(r.intitule) + ' ' + plie(r.structure) + ' ' + plie(r.commune);
      i += 1;
      if (avant !== undefined && i % 500 === 0 && performance.now() > avant) { break; }
    }
    this.plies = i;
    if (i === formations.length) { this.memoPlis = new Map(); }
    return i === formations.length;
  };

  /** Fold the texts in idle slices, so a search typed later finds them ready. */
  Application.prototype.plierPlusTard = function () {
    var self = this;
    var attendre = window.requestIdleCallback || function (f) { return setTimeout(function () { f(null); }, 50); };
    var tranche = function (delai) {
      var fin = performance.now() + (delai && delai.timeRemaining ? Math.max(8, delai.timeRemaining()) : 16);
      if (!self.plierTextes(fin)) { attendre(tranche); }
    };
    attendre(tranche);
  };

  Application.prototype.marqueur = function (r) {
    if (r.marqueur) { return r.marqueur; }
    var self = this;
    var m = L.marker([r.lat, r.lon], {
      icon: this.icones[r.type_structure] || this.iconeParDefaut,
      title: r.intitule,
      alt: r.intitule + ' — ' + this.libelle('type_structure', r.type_structure),
      keyboard: true
    });
    m.formation = r;
    m.bindPopup(function () { return self.contenuPopup(r); }, OPTIONS_POPUP);
    r.marqueur = m;
    return m;
  };

  Application.prototype.libelle = function (famille, valeur) {
    var table = this.config.libelles[famille] || {};
    return table[valeur] || valeur || '';
  };

  /** Popup of a training, built node by node. */
  Application.prototype.contenuPopup = function (r) {
    var racine = el('div', 'popup-formation');
    racine.setAttribute('tabindex', '-1');
    racine.appendChild(el('h3', 'popup-titre', r.intitule));
    racine.appendChild(el('p', 'popup-structure', r.structure));
    var dl = el('dl', 'popup-details');
    function ligne(terme, valeur) {
      if (valeur === null || valeur === undefined || valeur === '') { return; }
      dl.appendChild(el('dt', null, terme));
      dl.appendChild(el('dd', null, valeur));
    }
    ligne('Type de structure', this.libelle('type_structure', r.type_structure));
    var adresse = [r.adresse, [r.code_postal, r.commune].filter(Boolean).join(' ')]
      .filter(Boolean).join(', ');
    ligne('Adresse', adresse);
    ligne('Durée', r.duree_mois === null || r.duree_mois === undefined ? '' : r.duree_mois + ' mois');
    ligne('Modalité', this.libelle('modalite', r.modalite));
    if (r.distance_km !== null) { ligne('Distance', 'à ' + formatKm.format(r.distance_km) + ' km'); }
    racine.appendChild(dl);
    racine.appendChild(el('p', 'popup-precision', this.textePrecision(r.precision)));
    var lien = lienSur(r.site_web);
    var suite = el('p', 'popup-suite');
    if (lien) {
      var a = el('a', null, 'Site de la formation');
      a.href = lien;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      var cache = el('span', 'visuellement-cache', ' (nouvelle fenêtre)');
      a.appendChild(cache);
      suite.appendChild(a);
    } else {
      suite.textContent = 'Pour vous inscrire, contactez la structure.';
    }
    racine.appendChild(suite);
    var self = this;
    racine.addEventListener('keydown', function (ev) {
      if (ev.key === 'Escape') { self.carte.closePopup(); }
    });
    return racine;
  };

  Application.prototype.textePrecision = function (precision) {
    var libelle = this.libelle('precision', precision);
    if (!precision) { return 'Position : précision inconnue'; }
    if (precision === 'adresse') { return 'Position : ' + libelle; }
    return 'Position approximative : ' + libelle;
  };

  // ---------------------------------------------------------------- form

  Application.prototype.relierFormulaire = function () {
    var self = this;
    if (!this.formulaire) { return; }
    this.formulaire.addEventListener('submit', function (ev) {
      ev.preventDefault();
      self.depuisFormulaire({ ajuster: true });
    });
    this.formulaire.addEventListener('change', function (ev) {
      var cible = ev.target;
      if (cible.id === 'f-commune') { return; }
      if (cible.id === 'f-region') { $('f-departement').value = ''; self.remplirDepartements(); }
      self.depuisFormulaire({ ajuster: cible.id !== 'f-q' });
    });
    var q = $('f-q');
    q.addEventListener('input', function () {
      clearTimeout(self.minuteurTexte);
      self.minuteurTexte = setTimeout(function () { self.depuisFormulaire({ ajuster: false }); }, 150);
    });
    $('reinitialiser').addEventListener('click', function () {
      self.positionLibelle = '';
      self.filtres = filtresDepuisRecherche('');
      self.ecrireFormulaire(self.filtres);
      self.appliquer({ ajuster: true });
    });
    $('autour-de-moi').addEventListener('click', function () { self.geolocaliser(); });
    $('oublier-position').addEventListener('click', function () {
      self.filtres.lat = null;
      self.filtres.lon = null;
      self.filtres.rayon_km = null;
      self.positionLibelle = '';
      $('f-commune').value = '';
      self.ecrireFormulaire(self.filtres);
      self.appliquer({ ajuster: true });
    });
    this.relierCommunes();
  };

  Application.prototype.remplirListesDeroulantes = function () {
    var self = this;
    var region = $('f-region');
    var presentes = {};
    this.formations.forEach(function (r) { presentes[r.region] = true; });
    var codes = Object.keys(this.regions).filter(function (c) { return presentes[c]; });
    codes.sort(function (a, b) { return self.regions[a].localeCompare(self.regions[b], 'fr'); });
    codes.forEach(function (c) { region.appendChild(option(c, self.regions[c])); });
    var type = $('f-type');
    Object.keys(this.config.libelles.type_structure).forEach(function (c) {
      type.appendChild(option(c, self.config.libelles.type_structure[c]));
    });
    var duree = this.metadonnees.duree_mois || { min: 3, max: 24 };
    ['f-duree-min', 'f-duree-max'].forEach(function (id) {
      var champ = $(id);
      for (var m = duree.min; m <= duree.max; m++) { champ.appendChild(option(String(m), m + ' mois')); }
    });
    this.remplirDepartements();
  };

  Application.prototype.remplirDepartements = function () {
    var self = this;
    var champ = $('f-departement');
    var choisi = champ.value;
    var regions = decouper($('f-region').value);
    while (champ.options.length > 1) { champ.remove(1); }
    var presents = {};
    this.formations.forEach(function (r) { presents[r.departement] = true; });
    Object.keys(this.departements)
      .filter(function (c) {
        return presents[c] && (!regions.length || regions.indexOf(self.departements[c][1]) >= 0);
      })
      .sort(function (a, b) { return a.localeCompare(b, 'fr', { numeric: true }); })
      .forEach(function (c) { champ.appendChild(option(c, c + ' – ' + self.departements[c][0])); });
    champ.value = choisi;
    if (champ.value !== choisi) { champ.value = ''; }
  };

  function decouper(valeur) {
    return valeur ? valeur.split(',').filter(Boolean) : [];
  }

  /** Select the option of a list of values; several values (a preset) get an option of their own. */
  function choisir(champ, liste, libelle) {
    if (!champ) { return; }
    var valeur = liste.join(',');
    if (valeur && !Array.prototype.some.call(champ.options, function (o) { return o.value === valeur; })) {
      champ.appendChild(option(valeur, liste.map(libelle).join(', ')));
    }
    champ.value = valeur;
  }

  Application.prototype.ecrireFormulaire = function (f) {
    var self = this;
    choisir($('f-region'), f.region, function (c) { return self.regions[c] || c; });
    if (this.formations.length) { this.remplirDepartements(); }
    choisir($('f-departement'), f.departement, function (c) {
      var dep = self.departements[c];
      return dep ? c + ' – ' + dep[0] : c;
    });
    choisir($('f-type'), f.type_structure, function (c) { return self.libelle('type_structure', c); });
    var moisLibelle = function (m) { return m + ' mois'; };
    choisir($('f-duree-min'), f.duree_min === null ? [] : [String(f.duree_min)], moisLibelle);
    choisir($('f-duree-max'), f.duree_max === null ? [] : [String(f.duree_max)], moisLibelle);
    $('f-q').value = f.q;
    Array.prototype.forEach.call(document.querySelectorAll('input[name="modalite"]'), function (c) {
      c.checked = f.modalite.indexOf(c.value) >= 0;
    });
    var rayon = f.lat === null ? RAYON_PAR_DEFAUT : f.rayon_km;
    choisir($('f-rayon'), rayon === null ? [] : [String(rayon)], function (km) {
      return formatKm.format(Number(km)) + ' km';
    });
    var position = $('position-active');
    var aPosition = f.lat !== null;
    position.hidden = !aPosition;
    $('oublier-position').hidden = !aPosition;
    if (aPosition) {
      position.textContent = 'Autour de ' + (this.positionLibelle ||
        ('la position ' + formatKm.format(f.lat) + ', ' + formatKm.format(f.lon))) +
        (f.rayon_km === null ? ', sans limite de distance'
          : ', dans un rayon de ' + formatKm.format(f.rayon_km) + ' km');
    }
    this.resumerFiltres(f);
  };

  /** A sentence naming the active filters (shown in the embed when the form is hidden). */
  Application.prototype.resumerFiltres = function (f) {
    var resume = $('resume-filtres');
    if (!resume) { return; }
    var self = this;
    var parties = [];
    if (f.region.length) { parties.push(f.region.map(function (c) { return self.regions[c] || c; }).join(', ')); }
    if (f.departement.length) {
      parties.push(f.departement.map(function (c) {
        var d = self.departements[c];
        return d ? d[0] + ' (' + c + ')' : c;
      }).join(', '));
    }
    if (f.type_structure.length) {
      parties.push(f.type_structure.map(function (c) { return self.libelle('type_structure', c); }).join(', '));
    }
    if (f.modalite.length) { parties.push(f.modalite.map(function (c) { return self.libelle('modalite', c); }).join(', ')); }
    if (f.duree_min !== null) { parties.push('au moins ' + f.duree_min + ' mois'); }
    if (f.duree_max !== null) { parties.push('au plus ' + f.duree_max + ' mois'); }
    if (f.q) { parties.push('« ' + f.q + ' »'); }
    if (f.lat !== null && f.rayon_km !== null) { parties.push('à moins de ' + formatKm.format(f.rayon_km) + ' km'); }
    resume.textContent = parties.length ? 'Sélection : ' + parties.join(' ; ') : 'Toutes les formations';
  };

  Application.prototype.lireFormulaire = function () {
    var modalites = [];
    Array.prototype.forEach.call(document.querySelectorAll('input[name="modalite"]:checked'), function (c) {
      modalites.push(c.value);
    });
    var aPosition = this.filtres.lat !== null;
    return {
      region: decouper($('f-region').value),
      departement: decouper($('f-departement').value),
      type_structure: decouper($('f-type').value),
      modalite: modalites,
      duree_min: entier($('f-duree-min').value),
      duree_max: entier($('f-duree-max').value),
      q: $('f-q').value.trim(),
      lat: this.filtres.lat,
      lon: this.filtres.lon,
      rayon_km: aPosition ? nombre($('f-rayon').value, 0.001, 20000) : null
    };
  };

  Application.prototype.depuisFormulaire = function (options) {
    this.filtres = this.lireFormulaire();
    this.appliquer(options);
  };

  Application.prototype.fixerPosition = function (lat, lon, libelle) {
    this.filtres = this.lireFormulaire();
    this.filtres.lat = Math.round(lat * 1e5) / 1e5;
    this.filtres.lon = Math.round(lon * 1e5) / 1e5;
    if (this.filtres.rayon_km === null) {
      this.filtres.rayon_km = nombre($('f-rayon').value, 0.001, 20000);
    }
    this.positionLibelle = libelle;
    this.ecrireFormulaire(this.filtres);
    this.appliquer({ ajuster: true });
  };

  Application.prototype.geolocaliser = function () {
    var self = this;
    var statut = $('statut-position');
    if (!navigator.geolocation) {
      statut.textContent = 'Votre navigateur ne permet pas la géolocalisation : choisissez une commune.';
      return;
    }
    statut.textContent = 'Recherche de votre position…';
    navigator.geolocation.getCurrentPosition(function (pos) {
      statut.textContent = '';
      self.fixerPosition(pos.coords.latitude, pos.coords.longitude, 'votre position');
    }, function () {
      statut.textContent = 'Position indisponible : autorisez la géolocalisation ou choisissez une commune.';
    }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 });
  };

  // ---------------------------------------------------------------- commune autocomplete

  Application.prototype.relierCommunes = function () {
    var self = this;
    var champ = $('f-commune');
    var liste = $('communes-suggestions');
    this.suggestions = [];
    this.suggestionActive = -1;
    champ.addEventListener('input', function () {
      clearTimeout(self.minuteurCommunes);
      var texte = champ.value.trim();
      if (texte.length < 2) { self.fermerSuggestions(); return; }
      self.minuteurCommunes = setTimeout(function () { self.chercherCommunes(texte); }, 200);
    });
    champ.addEventListener('keydown', function (ev) {
      var n = self.suggestions.length;
      if (ev.key === 'ArrowDown' && n) {
        ev.preventDefault();
        self.activerSuggestion((self.suggestionActive + 1) % n);
      } else if (ev.key === 'ArrowUp' && n) {
        ev.preventDefault();
        self.activerSuggestion((self.suggestionActive - 1 + n) % n);
      } else if (ev.key === 'Enter') {
        ev.preventDefault();
        if (n) { self.choisirCommune(self.suggestions[Math.max(0, self.suggestionActive)]); }
      } else if (ev.key === 'Escape') {
        self.fermerSuggestions();
      }
    });
    champ.addEventListener('blur', function () { setTimeout(function () { self.fermerSuggestions(); }, 200); });
    liste.addEventListener('mousedown', function (ev) { ev.preventDefault(); });
    liste.addEventListener('click', function (ev) {
      var li = ev.target.closest('li[data-index]');
      if (li) { self.choisirCommune(self.suggestions[Number(li.getAttribute('data-index'))]); }
    });
  };

  Application.prototype.chercherCommunes = function (texte) {
    var self = this;
    var numero = ++this.requeteCommunes;
    var url = this.config.communes_url + '?' + new URLSearchParams({ q: texte, limit: '8' }).toString();
    fetch(url, { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (communes) {
        if (numero !== self.requeteCommunes) { return; }
        self.montrerSuggestions(Array.isArray(communes) ? communes : (communes.communes || []));
      })
      .catch(function () { self.montrerSuggestions([]); });
  };

  Application.prototype.montrerSuggestions = function (communes) {
    var champ = $('f-commune');
    var liste = $('communes-suggestions');
    liste.textContent = '';
    this.suggestions = communes;
    this.suggestionActive = -1;
    champ.removeAttribute('aria-activedescendant');
    communes.forEach(function (c, i) {
      var li = el('li', 'suggestion', c.nom + (c.code_postal ? ' (' + c.code_postal + ')' : ''));
      li.id = 'commune-suggestion-' + i;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      li.setAttribute('data-index', String(i));
      liste.appendChild(li);
    });
    var ouvert = communes.length > 0;
    liste.hidden = !ouvert;
    champ.setAttribute('aria-expanded', ouvert ? 'true' : 'false');
    $('communes-statut').textContent = ouvert ? communes.length + ' communes proposées' : 'Aucune commune trouvée';
  };

  Application.prototype.activerSuggestion = function (i) {
    var liste = $('communes-suggestions');
    Array.prototype.forEach.call(liste.children, function (li, j) {
      li.setAttribute('aria-selected', j === i ? 'true' : 'false');
    });
    this.suggestionActive = i;
    $('f-commune').setAttribute('aria-activedescendant', 'commune-suggestion-' + i);
  };

  Application.prototype.fermerSuggestions = function () {
    var liste = $('communes-suggestions');
    liste.hidden = true;
    liste.textContent = '';
    this.suggestions = [];
    this.suggestionActive = -1;
    var champ = $('f-commune');
    champ.setAttribute('aria-expanded', 'false');
    champ.removeAttribute('aria-activedescendant');
  };

  Application.prototype.choisirCommune = function (c) {
    if (!c) { return; }
    var lat = Number(c.lat);
    var lon = Number(c.lon);
    if (!isFinite(lat) || !isFinite(lon)) { return; }
    $('f-commune').value = c.nom;
    this.fermerSuggestions();
    this.fixerPosition(lat, lon, c.nom);
  };

  // ---------------------------------------------------------------- apply

  Application.prototype.appliquer = function (options) {
    options = options || {};
    var self = this;
    var debut = options.t0 !== undefined ? options.t0 : performance.now();
    var t = performance.now();
    var f = this.filtres;
    if (f.q && this.plies < this.formations.length) { this.plierTextes(); }
    var resultats = filtrer(this.formations, f);
    this.resultats = resultats;
    etat.resultats = resultats;
    // Index first, then set the view (its moveend draws the new clusters), then draw in case
    // the view did not move: only the markers of the view are made.
    // The index of every training (no filter) is kept: it is the view people come back to.
    var toutes = resultats.length === this.formations.length && f.lat === null;
    if (toutes && this.indexToutes) {
      this.grappes.reprendre(this.indexToutes, this.marqueurDePoint);
    } else {
      var index = this.grappes.definir(this.lieux(resultats), this.marqueurDePoint);
      if (toutes) { this.indexToutes = index; }
    }
    if (options.ajuster) { this.ajusterVue(resultats, f); }
    this.grappes.rendre();
    etat.lastMarkersMs = performance.now() - t;
    document.documentElement.setAttribute('data-marqueurs', String(resultats.length));
    if (options.premiere) {
      var fin = performance.now();
      etat.firstMarkersMs = fin - debut;
      etat.firstMarkersAt = fin; // since navigation start
    }
    this.rendreListe(resultats);
    this.majCompte(resultats.length);
    var params = parametresApi(f);
    this.majUrl(params);
    this.majLiens(params);
    etat.lastUpdateMs = performance.now() - t;
    etat.mesures.push(etat.lastUpdateMs);
    if (this.config.mode === 'embed') { this.signalerHauteur(); }
  };

  /** The places of the results: one point per position, with its trainings in result order. */
  Application.prototype.lieux = function (resultats) {
    var parLieu = this.parLieu;
    var lieux = [];
    for (var i = 0; i < resultats.length; i++) {
      var r = resultats[i];
      var lieu = parLieu[r.lieu];
      if (lieu === undefined) {
        lieu = parLieu[r.lieu] = {
          type: 'Feature',
          properties: { n: 0, elements: [] },
          geometry: { type: 'Point', coordinates: [r.lon, r.lat] }
        };
        lieux.push(lieu);
      }
      lieu.properties.n += 1;
      lieu.properties.elements.push(r);
    }
    for (var j = 0; j < resultats.length; j++) { parLieu[resultats[j].lieu] = undefined; }
    return lieux;
  };

  Application.prototype.majCompte = function (n) {
    var texte;
    if (n === 0) { texte = 'Aucune formation ne correspond à ces critères.'; }
    else if (n === 1) { texte = '1 formation'; }
    else { texte = formatEntier.format(n) + ' formations'; }
    this.compte.textContent = texte;
    this.compte.setAttribute('data-nombre', String(n));
    var bouton = $('basculer-liste');
    if (bouton) { bouton.querySelector('.nombre').textContent = formatEntier.format(n); }
  };

  Application.prototype.majUrl = function (params) {
    var url = new URLSearchParams(params.toString());
    if (this.config.mode === 'embed') {
      var actuels = new URLSearchParams(window.location.search);
      OPTIONS_EMBED.forEach(function (nom) { if (actuels.has(nom)) { url.set(nom, actuels.get(nom)); } });
    }
    var qs = url.toString();
    var cible = window.location.pathname + (qs ? '?' + qs : '') + window.location.hash;
    if (cible !== window.location.pathname + window.location.search + window.location.hash) {
      window.history.replaceState(null, '', cible);
    }
  };

  Application.prototype.majLiens = function (params) {
    var qs = params.toString();
    var geojson = $('telecharger-geojson');
    var csv = $('telecharger-csv');
    if (geojson) { geojson.href = this.config.api_url + (qs ? '?' + qs : ''); }
    if (csv) {
      var p = new URLSearchParams(params.toString());
      p.set('format', 'csv');
      csv.href = this.config.api_url + '?' + p.toString();
    }
    var complete = $('ouvrir-carte-complete');
    if (complete) { complete.href = this.config.page_url + (qs ? '?' + qs : ''); }
    this.majExtrait();
  };

  /** Bounds of trainings (a plain loop: tens of thousands of LatLng objects cost). */
  function emprise(resultats) {
    var sud = 90, nord = -90, ouest = 180, est = -180;
    for (var i = 0; i < resultats.length; i++) {
      var r = resultats[i];
      if (r.lat < sud) { sud = r.lat; }
      if (r.lat > nord) { nord = r.lat; }
      if (r.lon < ouest) { ouest = r.lon; }
      if (r.lon > est) { est = r.lon; }
    }
    return L.latLngBounds([sud, ouest], [nord, est]);
  }

  Application.prototype.ajusterVue = function (resultats, f) {
    var filtre = f.region.length || f.departement.length || f.lat !== null || f.type_structure.length || f.q ||
      f.modalite.length || f.duree_min !== null || f.duree_max !== null;
    if (!resultats.length) { return; }
    if (!filtre) {
      this.carte.fitBounds(this.config.vue_metropole, { animate: false });
      return;
    }
    var bornes = emprise(resultats);
    if (f.lat !== null) { bornes.extend([f.lat, f.lon]); }
    this.carte.fitBounds(bornes, { padding: [30, 30], maxZoom: 13, animate: false });
  };

  /** Fit the map to every current result (used by the tests to see every marker). */
  Application.prototype.voirTout = function () {
    if (!this.resultats.length) { return; }
    this.carte.fitBounds(emprise(this.resultats), { padding: [20, 20], animate: false });
  };

  // ---------------------------------------------------------------- list

  Application.prototype.relierListe = function () {
    var self = this;
    if (!this.liste) { return; }
    this.plus.addEventListener('click', function () {
      var premier = self.nombreAffiches;
      self.ajouterElements(TAILLE_PAGE_LISTE);
      var bouton = self.liste.querySelectorAll('button.formation')[premier];
      if (bouton) { bouton.focus(); }
    });
    this.liste.addEventListener('click', function (ev) {
      var bouton = ev.target.closest('button.formation');
      if (bouton) { self.ouvrir(self.resultats[Number(bouton.getAttribute('data-rang'))], bouton); }
    });
    this.liste.addEventListener('keydown', function (ev) {
      if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp' && ev.key !== 'Home' && ev.key !== 'End') { return; }
      var boutons = Array.prototype.slice.call(self.liste.querySelectorAll('button.formation'));
      var i = boutons.indexOf(document.activeElement);
      if (i < 0) { return; }
      ev.preventDefault();
      var j = ev.key === 'ArrowDown' ? Math.min(boutons.length - 1, i + 1)
        : ev.key === 'ArrowUp' ? Math.max(0, i - 1)
          : ev.key === 'Home' ? 0 : boutons.length - 1;
      boutons[j].focus();
    });
    var bascule = $('basculer-liste');
    if (bascule) {
      bascule.addEventListener('click', function () {
        var ouvrir = bascule.getAttribute('aria-expanded') !== 'true';
        self.ouvrirTiroir(ouvrir);
        // On a phone the list is a drawer over the map: the focus goes into it, and back.
        if (ouvrir && window.matchMedia('(max-width: 800px)').matches) {
          $('liste-titre').focus({ preventScroll: true });
        }
      });
      $('panneau-liste').addEventListener('keydown', function (ev) {
        if (ev.key === 'Escape' && document.body.classList.contains('tiroir-ouvert')) {
          ev.preventDefault();
          self.ouvrirTiroir(false);
          bascule.focus();
        }
      });
    }
  };

  Application.prototype.ouvrirTiroir = function (ouvert) {
    var bascule = $('basculer-liste');
    if (!bascule) { return; }
    bascule.setAttribute('aria-expanded', ouvert ? 'true' : 'false');
    document.body.classList.toggle('tiroir-ouvert', ouvert);
    bascule.querySelector('.action').textContent = ouvert ? 'Masquer la liste' : 'Afficher la liste';
  };

  Application.prototype.rendreListe = function (resultats) {
    if (!this.liste) { return; }
    this.liste.textContent = '';
    this.nombreAffiches = 0;
    this.ajouterElements(TAILLE_PAGE_LISTE);
  };

  Application.prototype.ajouterElements = function (combien) {
    var fin = Math.min(this.resultats.length, this.nombreAffiches + combien);
    var fragment = document.createDocumentFragment();
    for (var i = this.nombreAffiches; i < fin; i++) {
      fragment.appendChild(this.elementListe(this.resultats[i], i));
    }
    this.liste.appendChild(fragment);
    this.nombreAffiches = fin;
    var reste = this.resultats.length - fin;
    this.plus.hidden = reste <= 0;
    if (reste > 0) {
      this.plus.textContent = 'Afficher ' + formatEntier.format(Math.min(TAILLE_PAGE_LISTE, reste)) +
        ' formations de plus (' + formatEntier.format(reste) + ' restantes)';
    }
    if (this.config.mode === 'embed') { this.signalerHauteur(); }
  };

  Application.prototype.elementListe = function (r, rang) {
    var li = el('li', 'element-formation');
    var bouton = el('button', 'formation');
    bouton.type = 'button';
    bouton.setAttribute('data-rang', String(rang));
    bouton.setAttribute('data-id', r.id);
    var icone = el('img', 'icone-type');
    icone.src = this.config.icones[r.type_structure] || '';
    icone.alt = '';
    icone.width = 18;
    icone.height = 24;
    bouton.appendChild(icone);
    var corps = el('span', 'corps');
    corps.appendChild(el('span', 'titre', r.intitule));
    corps.appendChild(el('span', 'structure', r.structure));
    var details = [this.libelle('type_structure', r.type_structure), r.commune];
    if (r.duree_mois !== null && r.duree_mois !== undefined) { details.push(r.duree_mois + ' mois'); }
    corps.appendChild(el('span', 'details', details.filter(Boolean).join(' · ')));
    if (r.distance_km !== null) {
      corps.appendChild(el('span', 'distance', 'à ' + formatKm.format(r.distance_km) + ' km'));
    }
    bouton.appendChild(corps);
    li.appendChild(bouton);
    return li;
  };

  /** Open the popup of a training from the list, and give focus back to the list after. */
  Application.prototype.ouvrir = function (r, bouton) {
    if (!r) { return; }
    var self = this;
    var carte = this.carte;
    if (window.matchMedia('(max-width: 800px)').matches) { this.ouvrirTiroir(false); }
    var latlng = L.latLng(r.lat, r.lon);
    var zoom = Math.round(carte.getZoom());
    // The zoom where the training's place stands apart from clusters; a training sharing its
    // exact place with others is never drawn alone: its popup then opens over their place.
    var cible = Math.min(carte.getMaxZoom(), this.grappes.zoomIsole(r, r.lon, r.lat, zoom));
    var afficher = function () {
      self.grappes.rendre();
      self.afficherPopup(r, latlng);
      self.retourFocus = bouton;
    };
    this.retourFocus = null;
    if (zoom >= cible && carte.getBounds().pad(-0.1).contains(latlng)) {
      afficher();
    } else {
      carte.once('moveend', afficher);
      carte.setView(latlng, Math.max(zoom, cible));
    }
  };

  /** Open a training's popup (on its marker when drawn, else at its place) and focus it. */
  Application.prototype.afficherPopup = function (r, latlng) {
    var marqueur = this.grappes.marqueurAffiche(r);
    var popup;
    if (marqueur) {
      marqueur.openPopup();
      popup = marqueur.getPopup();
    } else {
      popup = L.popup(OPTIONS_POPUP).setLatLng(latlng).setContent(this.contenuPopup(r)).openOn(this.carte);
    }
    var contenu = popup && popup.getElement();
    var cible = contenu && contenu.querySelector('.popup-formation');
    if (cible) { cible.focus({ preventScroll: true }); }
  };

  /** A cluster no zoom can split (trainings at the same place): a popup listing them. */
  Application.prototype.listerGrappe = function (ev) {
    var self = this;
    var racine = el('div', 'popup-grappe');
    racine.setAttribute('tabindex', '-1');
    racine.appendChild(el('h3', 'popup-titre', formatEntier.format(ev.elements.length) + ' formations à cet endroit'));
    var liste = el('ul', 'popup-liste');
    ev.elements.forEach(function (r) {
      var li = el('li');
      var bouton = el('button', 'formation-grappe');
      bouton.type = 'button';
      bouton.setAttribute('data-id', r.id);
      bouton.appendChild(el('span', 'titre', r.intitule));
      bouton.appendChild(el('span', 'structure', r.structure));
      bouton.addEventListener('click', function () {
        var retour = self.retourFocus;
        self.retourFocus = null; // closing the list must not move the focus
        self.afficherPopup(r, ev.latlng);
        self.retourFocus = retour;
      });
      li.appendChild(bouton);
      liste.appendChild(li);
    });
    racine.appendChild(liste);
    racine.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') { self.carte.closePopup(); }
    });
    this.retourFocus = null;
    L.popup(OPTIONS_POPUP).setLatLng(ev.latlng).setContent(racine).openOn(this.carte);
    this.retourFocus = ev.marqueur.getElement() || null;
    racine.focus({ preventScroll: true });
  };

  // ---------------------------------------------------------------- map events

  Application.prototype.relierCarte = function () {
    var self = this;
    this.carte.on('popupclose', function () {
      var bouton = self.retourFocus;
      self.retourFocus = null;
      if (bouton && document.body.contains(bouton)) {
        if (self.liste && self.liste.contains(bouton) && window.matchMedia('(max-width: 800px)').matches) {
          self.ouvrirTiroir(true);
        }
        bouton.focus();
      }
    });
    this.grappes.on('grappeindivisible', function (ev) { self.listerGrappe(ev); });
    this.carte.on('locationfound', function (ev) {
      var f = self.filtres;
      if (f && f.lat !== null && distanceKm(f.lat, f.lon, ev.latlng.lat, ev.latlng.lng) < 0.1) { return; }
      self.fixerPosition(ev.latlng.lat, ev.latlng.lng, 'votre position');
    });
  };

  Application.prototype.afficherMessage = function (texte) {
    if (this.compte) { this.compte.textContent = texte; }
  };

  // ---------------------------------------------------------------- embed dialog

  Application.prototype.relierIntegration = function () {
    var self = this;
    var dialogue = $('dialogue-integrer');
    var ouvrir = $('ouvrir-integrer');
    if (!dialogue || !ouvrir) { return; }
    ouvrir.addEventListener('click', function () {
      self.majExtrait();
      dialogue.showModal();
      $('integrer-largeur').focus();
    });
    $('fermer-integrer').addEventListener('click', function () { dialogue.close(); });
    dialogue.addEventListener('close', function () { ouvrir.focus(); });
    dialogue.addEventListener('input', function () { self.majExtrait(); });
    dialogue.addEventListener('change', function () { self.majExtrait(); });
    $('copier-integrer').addEventListener('click', function () {
      var zone = $('extrait-integrer');
      zone.select();
      var statut = $('statut-copie');
      var fait = function () { statut.textContent = 'Code copié.'; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(zone.value).then(fait, function () {
          statut.textContent = 'Copie impossible : sélectionnez le code et copiez-le.';
        });
      } else {
        statut.textContent = 'Sélectionnez le code et copiez-le.';
      }
    });
  };

  /** The iframe snippet for the current view, serialised by the browser (attributes escaped). */
  Application.prototype.majExtrait = function () {
    var zone = $('extrait-integrer');
    if (!zone) { return; }
    var base = this.config.url_publique ? this.config.url_publique.replace(/\/$/, '') : window.location.origin;
    var params = parametresApi(this.filtres || filtresDepuisRecherche(''));
    params.set('liste', $('integrer-liste').checked ? '1' : '0');
    params.set('filtres', $('integrer-filtres').checked ? '1' : '0');
    var largeur = $('integrer-largeur').value.trim() || '100%';
    var hauteur = entier($('integrer-hauteur').value) || 600;
    var cadre = document.createElement('iframe');
    cadre.setAttribute('src', base + this.config.embed_url + '?' + params.toString());
    cadre.setAttribute('title', 'Carte des formations Grande École du Numérique');
    cadre.setAttribute('width', /^\d+(%|px)?$/.test(largeur) ? largeur.replace(/px$/, '') : '100%');
    cadre.setAttribute('height', String(hauteur));
    cadre.setAttribute('style', 'border:0;max-width:100%');
    cadre.setAttribute('loading', 'lazy');
    cadre.setAttribute('allow', 'geolocation; fullscreen');
    cadre.setAttribute('data-carte-gen', '');
    var extrait = cadre.outerHTML;
    if ($('integrer-script').checked) {
      var script = document.createElement('script');
      script.setAttribute('src', base + this.config.resize_script_url);
      script.setAttribute('async', '');
      extrait += '\n' + script.outerHTML;
    }
    zone.value = extrait;
  };

  // ---------------------------------------------------------------- embed height

  Application.prototype.relierHauteur = function () {
    var self = this;
    if (window.parent === window) { return; }
    if (window.ResizeObserver) {
      new ResizeObserver(function () { self.signalerHauteur(); }).observe(document.body);
    }
    window.addEventListener('load', function () { self.signalerHauteur(); });
  };

  Application.prototype.signalerHauteur = function () {
    if (window.parent === window) { return; }
    var hauteur = Math.ceil(document.body.getBoundingClientRect().height);
    if (hauteur === this.derniereHauteur) { return; }
    this.derniereHauteur = hauteur;
    // Only a height leaves the frame; the host script checks origin, source and shape.
    window.parent.postMessage({ type: 'carte-gen:hauteur', hauteur: hauteur }, '*');
  };

  // ---------------------------------------------------------------- public handle

  etat.fold = fold;
  etat.filtresDepuisRecherche = filtresDepuisRecherche;
  etat.demarrer = function (options) {
    var app = new Application(options.carte, options.grappes, options.localisation, options.config);
    etat.application = app;
    etat.voirTout = function () { app.voirTout(); };
    etat.grappes = function () { return app.grappes; };
    app.demarrer();
    return app;
  };
  window.carteGen = etat;
}());
