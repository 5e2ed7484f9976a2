"""What the signed-in person may do, for the navigation of every page."""

from types import SimpleNamespace

import policies


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "may": SimpleNamespace(
            see_own_results=policies.may_see_own_results(user),
            see_every_classroom=policies.is_staff(user),
            advise=policies.is_teacher(user),
            run_the_school=policies.is_staff(user),
        )
    }
