// The player's keys, while focus is anywhere in the Listen panel: Space plays or pauses, Left
// and Right seek 5 s, A and B choose the track or the reference, L loops the selected place.
// Keys typed into a field, and Space or Enter on a button (which press it), are left alone.

const SEEK_S = 5;

/** Listen on `panel` for `player`'s keys; returns the function that stops listening. */
export function playerKeys(panel, player) {
  const onKey = (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (key === " ") {
      if (target.closest("button, summary, a")) return;
      player.toggle();
    } else if (key === "ArrowLeft") player.skip(-SEEK_S);
    else if (key === "ArrowRight") player.skip(SEEK_S);
    else if (key === "a") player.switchTo("track");
    else if (key === "b") player.switchTo("reference");
    else if (key === "l") player.toggleLoop();
    else return;
    event.preventDefault();
  };
  panel.addEventListener("keydown", onKey);
  return () => panel.removeEventListener("keydown", onKey);
}
