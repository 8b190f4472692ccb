// Mixcoach's page: start (or resume) the browser session, fill the form from the API's
// options, show the history, and route between the upload form (#/) and a review
// (#/review/<id>), so a reload comes back to what was open.

import { ApiError, getJson, startSession } from "./js/api.js";
import { setUpChat } from "./js/chat.js";
import { openAlbum, refreshAlbums, setUpAlbumForm } from "./js/album.js";
import { alertIn, byId } from "./js/dom.js";
import { markCurrent, refreshHistory, setUpHistory } from "./js/history.js";
import { setUpRejudge } from "./js/rejudge.js";
import { closeReview, openReview, openReviewId } from "./js/review.js";
import { clearFiles, setUpForm } from "./js/upload.js";

const REVIEW_ROUTE = /^#\/review\/([A-Za-z0-9_-]+)$/;
const ALBUM_ROUTE = /^#\/album\/([A-Za-z0-9_-]+)$/;

const message = (err) => (err instanceof ApiError ? err.message : String(err));
const notice = (text) => alertIn(byId("notice"), text);
const historyLater = () => refreshHistory().catch((err) => notice(message(err)));

function route() {
  const match = REVIEW_ROUTE.exec(location.hash);
  const album = ALBUM_ROUTE.exec(location.hash);
  byId("album-view").hidden = !album;
  if (album) {
    closeReview();
    byId("review-view").hidden = true;
    byId("upload-view").hidden = true;
    openAlbum(album[1]);
  } else if (match) {
    byId("upload-view").hidden = true;
    byId("review-view").hidden = false;
    if (openReviewId() !== match[1]) openReview(match[1], { onChanged: historyLater });
  } else {
    closeReview();
    document.title = "New review · Mixcoach";
    byId("review-view").hidden = true;
    byId("upload-view").hidden = false;
  }
  markCurrent();
}

/** In-page links (#main, #player-section...) scroll instead of changing the route. */
function scrollLinks(event) {
  const link = event.target.closest("a[href^='#']:not([href^='#/'])");
  if (!link) return;
  const target = document.getElementById(link.getAttribute("href").slice(1));
  if (!target) return;
  event.preventDefault();
  target.scrollIntoView({ behavior: "smooth", block: "start" });
  if (target.tabIndex < 0 && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus({ preventScroll: true });
}

/** "New review" on the form itself starts it again: the chosen files go, the track comes first. */
function newReview(event) {
  if (REVIEW_ROUTE.test(location.hash)) return; // the route change opens the form
  event.preventDefault();
  history.replaceState(null, "", "#/");
  clearFiles();
  byId("track-input").focus();
}

/** Phones and narrow windows show the history folded, above the page's content. */
const WIDE = "(min-width: 1024px)";

async function start() {
  document.addEventListener("click", scrollLinks);
  byId("new-review").addEventListener("click", newReview);
  byId("history-box").open = matchMedia(WIDE).matches;
  setUpChat();
  setUpAlbumForm({
    onCreated: (album) => {
      location.hash = `#/album/${album.id}`;
    },
  });
  setUpHistory({
    currentId: openReviewId,
    onDeleted: (id) => { if (openReviewId() === id) location.hash = "#/"; },
    onError: notice,
  });
  try {
    await startSession();
    const options = await getJson("/api/options");
    setUpRejudge(options);
    setUpForm(options, {
      onSubmitted: (review) => {
        location.hash = `#/review/${review.id}`;
        historyLater();
      },
    });
    await refreshHistory();
    await refreshAlbums();
  } catch (err) {
    notice(message(err));
    return;
  }
  window.addEventListener("hashchange", route);
  route();
}

start();
