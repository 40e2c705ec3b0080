/* Carte GEN — the page's dialogs: any `[data-dialogue=id]` button opens dialog `id` as a
 * modal, its `[data-fermer]` button closes it, and the focus goes back to the opener. */

export function relierDialogues(racine = document) {
  for (const bouton of racine.querySelectorAll('button[data-dialogue]')) {
    const dialogue = document.getElementById(bouton.getAttribute('data-dialogue'));
    if (!dialogue || typeof dialogue.showModal !== 'function') { continue; }
    bouton.addEventListener('click', () => {
      dialogue.retour = bouton;
      dialogue.showModal();
    });
    if (dialogue.relie) { continue; }
    dialogue.relie = true;
    for (const fermer of dialogue.querySelectorAll('[data-fermer]')) {
      fermer.addEventListener('click', () => dialogue.close());
    }
    dialogue.addEventListener('close', () => {
      if (dialogue.retour && document.body.contains(dialogue.retour)) { dialogue.retour.focus(); }
      dialogue.retour = null;
    });
  }
}
