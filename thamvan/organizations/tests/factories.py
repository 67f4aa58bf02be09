import factory

from thamvan.organizations.models import Organization


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Công ty Tư vấn Quy hoạch số {n}")
    kind = Organization.Kind.CONSULTING_FIRM
