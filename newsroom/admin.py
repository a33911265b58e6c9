from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import IntegrityError, models
from django.http import HttpResponseRedirect
from django.utils import timezone

from newsroom.accounts import NameAndEmailRules
from newsroom.images import LimitedImageField
from newsroom.models import Article, Author, Section, Tag, User


# Images over IMAGES_MAX_PIXELS are refused, from their header, before anything decodes them.
LIMITED_IMAGES = {models.ImageField: {"form_class": LimitedImageField}}


class UserAddForm(NameAndEmailRules, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User


class UserEditForm(NameAndEmailRules, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User

    def account_is_staff(self):
        # Staff may carry reserved words ("The Moderator"): judged by the box as ticked now.
        return bool(self["is_staff"].value()) if "is_staff" in self.fields else self.instance.is_staff


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    fieldsets = BaseUserAdmin.fieldsets + (("Public profile", {"fields": ("display_name",)}),)
    list_display = ("username", "display_name", "email", "is_staff", "date_joined")
    search_fields = ("username", "display_name", "email")

    def changeform_view(self, request, *args, **kwargs):
        # The form checks that the username and address are free; another save can take
        # them in the moment before this one writes. The database refuses it (and this
        # request's transaction is rolled back): say so rather than answer 500.
        try:
            return super().changeform_view(request, *args, **kwargs)
        except IntegrityError:
            messages.error(request, "Nothing was saved: another account took this username or "
                           "email address a moment ago. Check the details and save again.")
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    formfield_overrides = LIMITED_IMAGES
    list_display = ("name", "slug", "user")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("user",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


class StateFilter(admin.SimpleListFilter):
    """Draft, scheduled or published: "scheduled" depends on the clock, not on a stored value."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("draft", "Draft"), ("scheduled", "Scheduled"), ("published", "Published")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "draft":
            return queryset.filter(status=Article.Status.DRAFT)
        if self.value() == "scheduled":
            return queryset.filter(status=Article.Status.PUBLISHED, published_at__gt=now)
        if self.value() == "published":
            return queryset.published()
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    formfield_overrides = LIMITED_IMAGES
    list_display = ("headline", "section", "state", "published_at", "updated_at")
    list_filter = (StateFilter, "section", "authors", "published_at")
    list_select_related = ("section",)
    search_fields = ("headline", "standfirst", "body")
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("headline",)}
    autocomplete_fields = ("authors", "tags")
    fieldsets = (
        (None, {"fields": ("headline", "slug", "standfirst", "body")}),
        ("Lead image", {"fields": ("lead_image", "lead_image_alt", "lead_image_caption",
                                    "lead_image_credit")}),
        ("Placement", {"fields": ("section", "authors", "tags")}),
        ("Publication", {"fields": ("status", "published_at")}),
    )

    @admin.display(description="state")
    def state(self, article):
        return article.state.capitalize()
