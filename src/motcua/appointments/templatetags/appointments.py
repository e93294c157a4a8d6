"""Template helpers of the appointment pages' links elsewhere (site home, kiosk start)."""

from django import template

from motcua.appointments.selectors import center_takes_appointments
from motcua.organization.models import Center

register = template.Library()


@register.filter
def takes_appointments(center: Center) -> bool:
    """``{% if center|takes_appointments %}``: the center can be booked online."""
    return center_takes_appointments(center)
