from django import template

from programs.navigation import menu_for

register = template.Library()


@register.inclusion_tag("includes/program_menu.html", takes_context=True)
def program_menu(context, program):
    request = context.get("request")
    current = request.resolver_match.url_name if request and request.resolver_match else ""
    return {"program": program, "groups": menu_for(program), "current": current}
