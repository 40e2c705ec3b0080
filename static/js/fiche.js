/* Carte GEN — what the popup and the list say about joining a training (methods).
 *
 * Sessions, how to apply or reach the structure, certification, levels, publics and the
 * yes/no facts, built node by node from the data (every value as text; every link checked by
 * coordonnees.js or dom.js) with the schema's labels carried by the page configuration
 * (`config.fiche`, app/map/fiche.py).
 */

import { el, formatEntier, lienSur } from './dom.js';
import { certificationSure, courrielSur, telephoneSur } from './coordonnees.js';
import { titreDe } from './marqueurs.js';
import { jourDe, phrasesSessions } from './sessions.js';

/** A link; one opening a new window says so to screen readers. */
function lien(href, texte, { nouvelleFenetre = false, classe = null, precision = '' } = {}) {
  const a = el('a', classe, texte);
  a.href = href;
  const cache = precision + (nouvelleFenetre ? ' (nouvelle fenêtre)' : '');
  if (nouvelleFenetre) {
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
  }
  if (cache) { a.appendChild(el('span', 'visuellement-cache', cache)); }
  return a;
}

export const fiche = {
  /** A value label of the schema (never a data value shown as a label), else ''. */
  libelleFiche(famille, valeur) {
    const table = (this.config.fiche && this.config.fiche.libelles[famille]) || {};
    const cle = String(valeur);
    return Object.prototype.hasOwnProperty.call(table, cle) ? table[cle] : '';
  },

  /** The sentences about the sessions, as of the visitor's today. */
  phrasesSessionsDe(r) {
    return phrasesSessions(r.sessions, r.prochaine_session, jourDe(new Date()));
  },

  /** The ways to apply or get in touch that the data give and that are safe to link. */
  moyensContact(r) {
    return {
      candidature: lienSur(r.url_candidature),
      courriel: courrielSur(r.contact_email),
      telephone: telephoneSur(r.contact_telephone),
      site: lienSur(r.site_web)
    };
  },

  /** The certification and its public page, when the code is one. */
  certificationDe(r) {
    return certificationSure(r.certification, this.config.fiche && this.config.fiche.certification);
  },

  /** Paragraphs of the popup about the sessions (none when the data say nothing of them). */
  sessionsPopup(r) {
    const bloc = document.createDocumentFragment();
    for (const phrase of this.phrasesSessionsDe(r)) { bloc.appendChild(el('p', 'popup-session', phrase)); }
    return bloc;
  },

  /** How to apply or reach the structure: the data's links when valid, else plain words. */
  contactPopup(r, adresse) {
    const bloc = el('div', 'popup-contact');
    const { candidature, courriel, telephone, site } = this.moyensContact(r);
    const liens = el('ul', 'popup-liens');
    const ajouter = (a) => {
      const li = el('li');
      li.appendChild(a);
      liens.appendChild(li);
    };
    if (candidature) { ajouter(lien(candidature, 'Candidater', { nouvelleFenetre: true, classe: 'lien-candidater' })); }
    if (courriel) { ajouter(lien('mailto:' + courriel, 'Écrire à ' + courriel)); }
    if (telephone) { ajouter(lien('tel:' + telephone.numero, 'Appeler le ' + telephone.texte)); }
    if (site) { ajouter(lien(site, 'Site de la formation', { nouvelleFenetre: true })); }
    let phrase;
    if (candidature || courriel || telephone) {
      phrase = 'Pour candidater ou vous renseigner :';
    } else if (site) {
      phrase = 'Contactez la structure par son site :';
    } else if (adresse) {
      phrase = 'Contactez la structure : ' + adresse;
    } else {
      phrase = 'Contactez la structure (aucune adresse ni aucun contact ne sont publiés).';
    }
    bloc.appendChild(el('p', 'popup-suite', phrase));
    if (liens.children.length) { bloc.appendChild(liens); }
    return bloc;
  },

  /** The popup's lines about duration, certification, levels, publics and the yes/no facts.
   *
   * `ligne(terme, valeur)` adds a line; `valeur` is a text or a node, and an empty one adds
   * nothing.
   */
  detailsFiche(r, ligne) {
    const heures = Number.isInteger(r.nombre_heures) && r.nombre_heures > 0
      ? formatEntier.format(r.nombre_heures) + (r.nombre_heures === 1 ? ' heure' : ' heures') : '';
    let duree = r.duree_mois == null ? '' : r.duree_mois + ' mois';
    if (duree && heures) { duree += ' (' + heures + ')'; }
    ligne('Durée', duree || heures || 'Durée non précisée');
    ligne('Modalité', this.libelle('modalite', r.modalite));
    const certification = this.certificationDe(r);
    if (certification) {
      ligne('Certification', lien(certification.url, certification.code, {
        nouvelleFenetre: true, precision: ', fiche France Compétences'
      }));
    }
    ligne('Niveau à la sortie', this.libelleFiche('niveau', r.niveau_sortie));
    ligne('Niveau d’entrée', this.libelleFiche('niveau', r.niveau_entree));
    const publics = Array.isArray(r.public_vise)
      ? r.public_vise.map((p) => this.libelleFiche('public_vise', p)).filter(Boolean) : [];
    ligne('Public visé', publics.join(', '));
    if (typeof r.alternance === 'boolean') { ligne('Alternance', this.libelleFiche('oui_non', r.alternance)); }
    if (typeof r.prise_en_charge === 'boolean') {
      ligne('Prise en charge des frais', this.libelleFiche('oui_non', r.prise_en_charge));
    }
  },

  /** The list item's lines about sessions, certification and level (texts, no links). */
  resumeListe(r, corps) {
    // One sentence: the upcoming sessions when there are (they come last), else the ongoing one.
    const sessions = this.phrasesSessionsDe(r);
    if (sessions.length) { corps.appendChild(el('span', 'sessions', sessions[sessions.length - 1])); }
    const certification = this.certificationDe(r);
    const niveau = this.libelleFiche('niveau', r.niveau_sortie);
    const titre = [certification ? 'Certification ' + certification.code : '', niveau].filter(Boolean);
    if (titre.length) { corps.appendChild(el('span', 'certification', titre.join(' · '))); }
  },

  /** The list item's one way to act, beside its button: apply, else call, else write. */
  actionListe(r) {
    const { candidature, courriel, telephone } = this.moyensContact(r);
    let a = null;
    const pour = ' : ' + titreDe(r);
    if (candidature) {
      a = lien(candidature, 'Candidater', { nouvelleFenetre: true, classe: 'lien-candidater', precision: pour });
    } else if (telephone) {
      a = lien('tel:' + telephone.numero, 'Appeler le ' + telephone.texte, { precision: pour });
    } else if (courriel) {
      a = lien('mailto:' + courriel, 'Écrire à ' + courriel, { precision: pour });
    }
    if (!a) { return null; }
    const p = el('p', 'action-formation');
    p.appendChild(a);
    return p;
  }
};
