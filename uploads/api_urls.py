from django.urls import path

from . import api, views

urlpatterns = [
    path("", api.UploadSessionCollectionApi.as_view(), name="api-upload-list"),
    path("<uuid:session_id>/", api.UploadSessionDetailApi.as_view(), name="api-upload-detail"),
    path("<uuid:session_id>/parts/", api.UploadPartsApi.as_view(), name="api-upload-parts"),
    path("<uuid:session_id>/part-urls/", api.UploadPartUrlsApi.as_view(), name="api-upload-part-urls"),
    path("<uuid:session_id>/complete/", api.UploadCompleteApi.as_view(), name="api-upload-complete"),
    path("<uuid:session_id>/abort/", api.UploadAbortApi.as_view(), name="api-upload-abort"),
    # Local storage only: where the signed part URLs point (with S3 they point at S3).
    path("<uuid:session_id>/parts/<int:number>/data", views.upload_part_put, name="upload-part-data"),
]
