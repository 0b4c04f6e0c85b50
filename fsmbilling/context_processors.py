def tenancy(request):
    """The current organization and membership, set by the organization views (fsmbilling/tenancy.py)."""
    return {
        "current_org": getattr(request, "organization", None),
        "current_membership": getattr(request, "membership", None),
    }
