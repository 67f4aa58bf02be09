from django.db import migrations


def load(apps, schema_editor):
    from thamvan.organizations.units import load_units

    load_units(apps.get_model("organizations", "AdministrativeUnit"))


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
