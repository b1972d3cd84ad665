"""Browser pages: the video list and owner pages, My videos (the studio), the upload form and the watch page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from mediasite.errors import StateConflict, TooLarge
from users.selectors import user_can_moderate, user_can_upload

from . import selectors, services
from .forms import VideoEditForm, VideoUploadForm
from .models import Video
from .search import VideoSearchForm, video_title_search

PAGE_SIZE = 24


def _media_url(key: str) -> str:
    """A short-lived signed URL for a stored object (signing is local, no storage round trip)."""
    return default_storage.url(key) if key else ""


def _visible_video_or_404(request, video_id) -> Video:
    video = selectors.video_get_visible(user=request.user, video_id=video_id)
    if video is None:
        # 404, not 403: a private video's existence is not revealed.
        raise Http404("No such video.")
    return video


def _browse(request, videos, template: str, context: dict):
    """Render a grid page of these videos: searched by `q` (title words), one page of PAGE_SIZE.

    Django's Paginator, not the API's cursor: people jump to page 3 and come back to it, and
    read how many pages and matches there are; the price is one COUNT per page, and OFFSET
    grows with the page number. A bad `q` or page number gets the page with the reason (400, 404).
    """
    search = VideoSearchForm(request.GET)
    context = {**context, "search": search, "q": "", "cards": [], "page": None, "page_error": ""}
    if not search.is_valid():
        return render(request, template, context, status=400)
    q = search.cleaned_data["q"]
    # -id breaks ties of created_at, so no video is on two pages or none (the video_newest_first index).
    videos = video_title_search(videos, words=search.words).order_by("-created_at", "-id")
    paginator = Paginator(videos, PAGE_SIZE)
    context.update(q=q, page_prefix="?" + (urlencode({"q": q}) + "&" if q else ""))
    number = (request.GET.get("page") or "1")[:20]  # echoed in the answer: a bounded piece of it
    try:
        page = paginator.page(number)
    except PageNotAnInteger:
        context["page_error"] = gettext("“%(number)s” is not a page number.") % {"number": number}
        return render(request, template, context, status=400)
    except EmptyPage:
        context["page_error"] = ngettext(
            "There is no page %(number)s: this list has %(count)s page.",
            "There is no page %(number)s: this list has %(count)s pages.",
            paginator.num_pages,
        ) % {"number": number, "count": paginator.num_pages}
        return render(request, template, context, status=404)
    context.update(
        page=page,
        page_range=list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
        cards=[{"video": video, "poster_url": _media_url(video.poster_key)} for video in page],
    )
    return render(request, template, context)


def video_list_page(request):
    return _browse(request, selectors.video_list(user=request.user), "videos/list.html", {})


def video_owner_page(request, username):
    """One user's videos: the public ones, and for that user and for moderators all of them."""
    owner = get_object_or_404(get_user_model(), username=username)
    viewer = request.user
    sees_all = viewer.is_authenticated and (viewer.pk == owner.pk or user_can_moderate(viewer))
    # For the owner, visible means all their own; for moderators, everything. Others see listed ones.
    visible = selectors.video_visible_filter(viewer) if sees_all else selectors.video_listed_filter(viewer)
    videos = Video.objects.filter(visible, owner=owner).select_related("owner").only(*selectors.LIST_FIELDS)
    context = {"owner": owner, "is_own": viewer.is_authenticated and viewer.pk == owner.pk, "sees_all": sees_all}
    return _browse(request, videos, "videos/owner.html", context)


@login_required
def studio_page(request):
    """My videos: the signed-in user's own videos, live, to edit, retry, cancel or delete in place."""
    videos = Video.objects.filter(owner=request.user).select_related("owner").only(*selectors.LIST_FIELDS, "description")
    context = {"visibility_choices": Video.Visibility.choices, "studio_url": request.get_full_path()}
    return _browse(request, videos, "videos/studio.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def video_upload_page(request):
    if not user_can_upload(request.user):
        raise PermissionDenied(services.UPLOAD_REFUSED)
    form = VideoUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            video = services.video_create(owner=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_service_errors(form, error)
        except TooLarge as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, gettext("“%(title)s” was uploaded and is queued for transcoding.") % {"title": video.title})
            location = reverse("video-watch", kwargs={"video_id": video.pk})
            if request.headers.get("X-Requested-With") == "XMLHttpRequest":
                # upload.js shows upload progress and navigates itself: a redirect would be followed unseen.
                return JsonResponse({"id": str(video.pk), "location": location}, status=201)
            return redirect(location)
    status = 400 if form.errors else 200
    return render(
        request, "videos/upload.html", {"form": form, "max_upload_size": settings.MAX_UPLOAD_SIZE}, status=status
    )


def _add_service_errors(form, error: ValidationError) -> None:
    """Show a service's validation errors on the form fields they name, the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error("file", error)
        return
    for field, field_errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, field_errors)


def video_watch_page(request, video_id):
    video = _visible_video_or_404(request, video_id)
    context = {
        "video": video,
        "can_edit": selectors.video_can_edit(user=request.user, video=video),
        "master_url": f"/videos/{video.pk}/hls/master.m3u8",
        "poster_url": "",
        "storyboard_vtt_url": "",
        "storyboard_image_url": "",
        "renditions": [],
    }
    if video.is_ready:
        context.update(
            poster_url=_media_url(video.poster_key),
            storyboard_vtt_url=_media_url(video.storyboard_vtt_key),
            storyboard_image_url=_media_url(video.storyboard_image_key),
        )
    if video.is_playable:
        context["renditions"] = list(video.renditions.all())
    return render(request, "videos/watch.html", context)


def _editable_video_or_404(request, video_id) -> Video:
    video = _visible_video_or_404(request, video_id)
    if not selectors.video_can_edit(user=request.user, video=video):
        raise Http404("No such video.")
    return video


def _back(request, default: str):
    """Where a page's form goes back to: its `next` (a path of this site, e.g. My videos), or `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)


@login_required
@require_POST
def video_edit_page(request, video_id):
    """Title, description and visibility from the studio's edit form (studio.js sends the API's PATCH instead)."""
    video = _editable_video_or_404(request, video_id)
    form = VideoEditForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    else:
        try:
            services.video_update(video=video, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, gettext("“%(title)s” was saved.") % {"title": video.title})
    return _back(request, reverse("video-watch", kwargs={"video_id": video.pk}))


@login_required
@require_POST
def video_delete_page(request, video_id):
    video = _editable_video_or_404(request, video_id)
    title = video.title
    services.video_delete(video=video)
    messages.success(request, gettext("“%(title)s” was deleted.") % {"title": title})
    return _back(request, reverse("video-list"))


def _lifecycle_action(request, video_id, service, done: str):
    video = _editable_video_or_404(request, video_id)
    try:
        service(video=video)
    except StateConflict as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return _back(request, reverse("video-watch", kwargs={"video_id": video.pk}))


@login_required
@require_POST
def video_retry_page(request, video_id):
    return _lifecycle_action(request, video_id, services.video_retry, gettext("The video is queued for transcoding again."))


@login_required
@require_POST
def video_cancel_page(request, video_id):
    return _lifecycle_action(request, video_id, services.video_cancel, gettext("Cancelling the transcode."))
