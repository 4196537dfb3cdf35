"Install fastai_elr from the metadata in settings.ini; the version comes from fastai_elr/__init__.py."
import re
from configparser import ConfigParser
from pathlib import Path
import setuptools

here = Path(__file__).parent
cfg = ConfigParser(delimiters=['='])
cfg.read(here/'settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']
version = re.search(r'^__version__\s*=\s*"([^"]+)"', (here/'fastai_elr'/'__init__.py').read_text(), re.M)[1]
licenses = {'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License')}
lic = licenses[cfg['license']]

setuptools.setup(
    name=cfg['lib_name'], version=version, description=cfg['description'],
    long_description=(here/'README.md').read_text(encoding='utf-8'), long_description_content_type='text/markdown',
    author=cfg['author'], author_email=cfg['author_email'], license=lic[0], keywords=cfg['keywords'].split(),
    classifiers=['Programming Language :: Python :: 3', 'License :: ' + lic[1]],
    packages=setuptools.find_packages(include=['fastai_elr', 'fastai_elr.*']), include_package_data=True,
    package_data={'fastai_elr': ['configs/*.json', 'static/*.js', 'static/*.css']},
    python_requires='>=' + cfg['min_python'],
    install_requires=cfg['requirements'].split(),
    extras_require={'review': cfg['review_requirements'].split(),
                    'dev': cfg['dev_requirements'].split() + cfg['review_requirements'].split()},
    entry_points={'console_scripts': cfg['console_scripts'].split(),
                  'nbdev': ['fastai_elr=fastai_elr._modidx:d']},
    zip_safe=False)
